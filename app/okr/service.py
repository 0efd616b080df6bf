"""Cycles and objectives: creating, changing and closing them, each scoped by shop."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import utcnow
from app.errors import Conflict, NotFound, Unprocessable
from app.metrics.figures import local_day
from app.okr.models import (
    Cycle,
    CycleStatus,
    KeyResult,
    Level,
    Objective,
    OkrSettings,
    Source,
)
from app.okr.scoring import Bands
from app.shops.models import Shop, SignedInShop
from app.text import Text

MAX_COMPANY_OBJECTIVES = 5


def today_for(shop: Shop | SignedInShop) -> date:
    """The shop-local date now: cycles, windows and snapshots are in the shop's days."""
    return local_day(utcnow(), shop.timezone)


def invalid(fields: dict[str, str]) -> Unprocessable:
    """A 422 naming each field that is wrong and why (forms show them next to the field)."""
    summary = "; ".join(f"{name}: {why}" for name, why in fields.items())
    return Unprocessable(summary, details={"fields": fields})


async def get_cycle(session: AsyncSession, shop_id: int, cycle_id: int) -> Cycle:
    cycle = await session.get(Cycle, cycle_id)
    if cycle is None or cycle.shop_id != shop_id:
        raise NotFound(f"no cycle {cycle_id}")
    return cycle


async def get_objective(session: AsyncSession, shop_id: int, objective_id: int) -> Objective:
    objective = await session.get(Objective, objective_id)
    if objective is None or objective.shop_id != shop_id:
        raise NotFound(f"no objective {objective_id}")
    return objective


async def create_cycle(
    session: AsyncSession, shop_id: int, name: str, start: date, end: date
) -> Cycle:
    if end <= start:
        raise invalid({"end": Text("a cycle ends after it starts")})
    cycle = Cycle(shop_id=shop_id, name=name, start=start, end=end)
    session.add(cycle)
    await session.flush()
    return cycle


def yearly(year: int) -> tuple[str, date, date]:
    """The default cycle: a calendar year (its quarters are offered as key-result ranges)."""
    return str(year), date(year, 1, 1), date(year, 12, 31)


def quarters(cycle: Cycle) -> list[tuple[str, date, date]]:
    """The calendar quarters inside a cycle (clipped to it)."""
    result = []
    for quarter in range(4):
        first = date(cycle.start.year, 3 * quarter + 1, 1)
        last = date(cycle.start.year + (quarter == 3), (3 * quarter + 3) % 12 + 1, 1)
        last = date.fromordinal(last.toordinal() - 1)
        if last >= cycle.start and first <= cycle.end:
            result.append((f"Q{quarter + 1}", max(first, cycle.start), min(last, cycle.end)))
    return result


def check_open(cycle: Cycle) -> None:
    if cycle.status is CycleStatus.CLOSED:
        raise Conflict(Text("cycle “%(name)s” is closed: its scores are final", name=cycle.name))


async def save_objective(
    session: AsyncSession, shop_id: int, objective: Objective, changes: dict[str, Any]
) -> list[str]:
    """Apply and check the changes; return warnings (which do not block)."""
    for name, value in changes.items():
        setattr(objective, name, value)
    # Checked before anything is written: flushing a parent that does not exist first would
    # fail on its foreign key (a 500 where another shop's objective gets a 422).
    with session.no_autoflush:
        cycle = await get_cycle(session, shop_id, objective.cycle_id)
        check_open(cycle)
        errors: dict[str, str] = {}
        if objective.weight <= 0:
            errors["weight"] = Text("a weight is positive")
        if objective.parent_id is not None:
            errors.update(await _parent_problems(session, shop_id, objective))
    if errors:
        raise invalid(errors)
    session.add(objective)
    await session.flush()
    return await warnings_for(session, cycle)


async def _parent_problems(
    session: AsyncSession, shop_id: int, objective: Objective
) -> dict[str, str]:
    parent = await session.get(Objective, objective.parent_id)
    if parent is None or parent.shop_id != shop_id:
        return {"parent_id": Text("no objective %(id)s", id=objective.parent_id)}
    if parent.cycle_id != objective.cycle_id:
        return {"parent_id": Text("a parent objective is in the same cycle")}
    seen = {objective.id}
    while parent is not None:  # walk up: meeting ourselves means a loop
        if parent.id in seen:
            return {"parent_id": Text("aligning to this objective would make a loop")}
        seen.add(parent.id)
        parent = await session.get(Objective, parent.parent_id) if parent.parent_id else None
    return {}


async def warnings_for(session: AsyncSession, cycle: Cycle) -> list[str]:
    statement = select(func.count()).where(
        Objective.cycle_id == cycle.id, Objective.level == Level.COMPANY
    )
    company = (await session.exec(statement)).one()
    if company > MAX_COMPANY_OBJECTIVES:
        return [
            Text(
                "%(count)s company objectives in %(cycle)s: at most %(most)s keep a store "
                "focused — every extra objective takes attention from the others",
                count=company,
                cycle=cycle.name,
                most=MAX_COMPANY_OBJECTIVES,
            )
        ]
    return []


async def objectives_of(session: AsyncSession, cycle: Cycle) -> list[Objective]:
    statement = (
        select(Objective)
        .where(Objective.cycle_id == cycle.id)
        .order_by(col(Objective.position), col(Objective.id))
    )
    return list((await session.exec(statement)).all())


async def key_results_of(session: AsyncSession, objective_ids: list[int]) -> list[KeyResult]:
    statement = (
        select(KeyResult)
        .where(col(KeyResult.objective_id).in_(objective_ids))
        .order_by(col(KeyResult.position), col(KeyResult.id))
    )
    return list((await session.exec(statement)).all())


async def open_key_results(
    session: AsyncSession, shop_id: int, source: Source | None = None
) -> list[tuple[KeyResult, Cycle]]:
    """The shop's key results in open cycles, with their cycle (optionally of one source)."""
    statement = (
        select(KeyResult, Cycle)
        .join(Objective, col(Objective.id) == KeyResult.objective_id)
        .join(Cycle, col(Cycle.id) == Objective.cycle_id)
        .where(KeyResult.shop_id == shop_id, Cycle.status == CycleStatus.OPEN)
    )
    if source is not None:
        statement = statement.where(KeyResult.source == source)
    return [(kr, cycle) for kr, cycle in (await session.exec(statement)).all()]


async def bands_for(session: AsyncSession, shop_id: int) -> Bands:
    settings = await session.get(OkrSettings, shop_id)
    return Bands() if settings is None else Bands(settings.green_from, settings.yellow_from)


def close(cycle: Cycle) -> None:
    cycle.status = CycleStatus.CLOSED
    cycle.closed_at = utcnow()
