"""Key results: checked on every change, with an honest default start value; check-ins."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import NotFound
from app.metrics.catalogue import BY_KEY
from app.metrics.service import MAX_RANGE_DAYS
from app.okr.baselines import Baseline, start_for
from app.okr.evaluation import kr_span
from app.okr.models import CheckIn, Cycle, KeyResult, Objective, Source, Window
from app.okr.scoring import KRType, target_problems
from app.okr.service import check_open, get_cycle, get_objective, invalid
from app.text import Text


async def get_key_result(session: AsyncSession, shop_id: int, key_result_id: int) -> KeyResult:
    kr = await session.get(KeyResult, key_result_id)
    if kr is None or kr.shop_id != shop_id:
        raise NotFound(f"no key result {key_result_id}")
    return kr


async def cycle_of(session: AsyncSession, shop_id: int, kr: KeyResult) -> Cycle:
    objective = await get_objective(session, shop_id, kr.objective_id)
    return await get_cycle(session, shop_id, objective.cycle_id)


async def save_key_result(
    session: AsyncSession, shop_id: int, kr: KeyResult, changes: dict[str, Any], today: date
) -> KeyResult:
    kept = kr.start_value if kr.start_is_auto else None  # an automatic start so far
    for name, value in changes.items():
        setattr(kr, name, value)
    objective: Objective = await get_objective(session, shop_id, kr.objective_id)
    cycle = await get_cycle(session, shop_id, objective.cycle_id)
    check_open(cycle)
    errors = _shape_problems(kr, cycle)
    if not errors and _needs_start(kr) and kr.source is Source.METRIC:
        errors = await _fill_start(session, shop_id, kr, cycle, changes, kept, today)
    if not kr.start_is_auto:
        kr.start_basis = None
    if not errors:
        errors = target_problems(kr.kr_type, kr.start_value, kr.target, kr.stretch_target)
    if errors:
        raise invalid(errors)
    session.add(kr)
    await session.flush()
    return kr


# What the automatic start value depends on.
_RANGE_FIELDS = {"metric_key", "window", "window_start", "window_end", "rolling_days"}


async def _fill_start(
    session: AsyncSession, shop_id: int, kr: KeyResult, cycle: Cycle, changes: dict[str, Any],
    kept: Decimal | None, today: date,
) -> dict[str, str]:  # fmt: skip
    """A start left empty is taken from history (and the basis noted); an automatic start is
    kept while the key result's range stays as it was — a template's start (the last complete
    weeks) is not swapped for another basis because its title was edited."""
    if "start_value" in changes:
        kr.start_is_auto = changes["start_value"] is None
    moved = bool(_RANGE_FIELDS & changes.keys())
    if kr.start_is_auto and kr.start_value is None and kept is not None and not moved:
        kr.start_value = kept
    if kr.start_value is None or (kr.start_is_auto and moved):
        baseline = await _start_from_history(session, shop_id, kr, cycle, today)
        kr.start_is_auto = True
        if baseline is None:
            kr.start_value = kr.start_basis = None
            return {"start_value": Text(
                "the store has no complete week of history yet to start from: give a start value"
            )}  # fmt: skip
        kr.start_value, kr.start_basis = baseline.value, baseline.basis
    return {}


def _needs_start(kr: KeyResult) -> bool:
    return kr.kr_type in (KRType.INCREASE_TO, KRType.DECREASE_TO)


def _shape_problems(kr: KeyResult, cycle: Cycle) -> dict[str, str]:
    errors: dict[str, str] = {}
    if kr.weight <= 0:
        errors["weight"] = Text("a weight is positive")
    if kr.source is Source.METRIC:
        if kr.metric_key not in BY_KEY:
            errors["metric_key"] = Text("choose one of: %(keys)s", keys=", ".join(sorted(BY_KEY)))
    elif kr.start_value is None and _needs_start(kr):
        errors["start_value"] = Text("a manual key result needs a start value")
    if kr.window is Window.RANGE:
        first, last = kr.window_start, kr.window_end
        if first is None or last is None:
            errors["window_start"] = Text("a range needs its first and last day")
        elif last <= first:
            errors["window_end"] = Text(
                "a range ends after it starts (zero-width ranges score nothing)"
            )
        elif first < cycle.start or last > cycle.end:
            errors["window_start"] = Text(
                "a range lies inside the cycle (%(first)s–%(last)s)",
                first=cycle.start,
                last=cycle.end,
            )
    if kr.window is Window.ROLLING and not 1 <= (kr.rolling_days or 0) <= MAX_RANGE_DAYS:
        errors["rolling_days"] = Text("a rolling window is 1 to %(most)s days", most=MAX_RANGE_DAYS)
    return errors


async def _start_from_history(
    session: AsyncSession, shop_id: int, kr: KeyResult, cycle: Cycle, today: date
) -> Baseline | None:
    """The same metric over the equally long period just before the window, or the first
    complete week scaled to the window when the history does not cover that period."""
    if kr.metric_key is None:
        return None
    spans = kr_span(kr, cycle, today) or kr_span(kr, cycle, cycle.start)
    assert spans is not None
    return await start_for(session, shop_id, kr.metric_key, spans[0], today)


async def check_in(
    session: AsyncSession, shop_id: int, kr: KeyResult, values: dict[str, Any]
) -> CheckIn:
    cycle = await cycle_of(session, shop_id, kr)
    check_open(cycle)
    errors: dict[str, str] = {}
    if values.get("value") is not None and kr.source is Source.METRIC:
        errors["value"] = Text("a metric key result's value comes from the store: leave it empty")
    if kr.source is Source.MANUAL and kr.kr_type is not KRType.MILESTONE:
        if values.get("value") is None:
            errors["value"] = Text("a manual key result moves by the value checked in")
    said = values.get("confidence") is not None or str(values.get("comment") or "").strip()
    if kr.source is Source.METRIC and not said and "value" not in errors:
        # Its value is the store's: a check-in with neither confidence nor comment says nothing.
        errors["comment"] = Text("say how confident you are, or add a comment")
    if errors:
        raise invalid(errors)
    entry = CheckIn(shop_id=shop_id, key_result_id=kr.id or 0, **values)
    session.add(entry)
    await session.flush()
    return entry


async def history(session: AsyncSession, kr: KeyResult) -> list[CheckIn]:
    statement = select(CheckIn).where(CheckIn.key_result_id == kr.id).order_by(col(CheckIn.at))
    return list((await session.exec(statement)).all())
