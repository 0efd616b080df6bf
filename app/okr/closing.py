"""The end of a cycle: final scores frozen with a retrospective; unfinished objectives carried
into the next cycle."""

from __future__ import annotations

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from app.okr.key_results import save_key_result
from app.okr.models import Cycle, KeyResult, Objective, Source
from app.okr.scorecard import ObjectiveView, scorecard
from app.okr.service import (
    check_open,
    close,
    get_cycle,
    get_objective,
    invalid,
    key_results_of,
    save_objective,
)
from app.text import Text


async def close_cycle(
    session: AsyncSession, shop_id: int, cycle: Cycle, retrospectives: dict[int, str],
    today: date,
) -> None:  # fmt: skip
    check_open(cycle)
    card = await scorecard(session, shop_id, cycle, today)
    views = list(_walk(card.objectives))
    known = {view.objective.id for view in views}
    strangers = sorted(set(retrospectives) - known)
    if strangers:
        raise invalid(
            {"retrospectives": Text("objectives %(ids)s are not in this cycle", ids=strangers)}
        )
    for view in views:
        view.objective.final_score = view.score
        view.objective.retrospective = retrospectives.get(view.objective.id or 0, "")[:4000]
        for kr in view.key_results:
            kr.key_result.final_value = kr.status.value
            kr.key_result.final_score = kr.status.score
    close(cycle)
    await session.flush()


def _walk(views: list[ObjectiveView]) -> list[ObjectiveView]:
    result = []
    for view in views:
        result.append(view)
        result.extend(_walk(view.children))
    return result


async def carry_over(
    session: AsyncSession, shop_id: int, from_id: int, to_id: int, objective_ids: list[int],
    today: date,
) -> list[Objective]:  # fmt: skip
    """Copy objectives and their key results into another open cycle; metric key results start
    afresh from the period before the new window, manual ones from their last value."""
    source = await get_cycle(session, shop_id, from_id)
    target = await get_cycle(session, shop_id, to_id)
    check_open(target)
    if target.id == source.id:
        raise invalid({"to_cycle_id": "carry objectives into a different cycle"})
    copies = []
    for objective_id in objective_ids:
        original = await get_objective(session, shop_id, objective_id)
        if original.cycle_id != source.id:
            raise invalid({"objective_ids": f"objective {objective_id} is not in this cycle"})
        copy = Objective(
            shop_id=shop_id,
            cycle_id=target.id or 0,
            carried_from_id=original.id,
            **{name: getattr(original, name) for name in _OBJECTIVE_FIELDS},
        )
        await save_objective(session, shop_id, copy, {})
        for kr in await key_results_of(session, [original.id or 0]):
            await save_key_result(session, shop_id, _fresh(kr, copy), {}, today)
        copies.append(copy)
    return copies


_OBJECTIVE_FIELDS = ("title", "description", "kind", "level", "owner_name", "owner_email",
                     "team", "weight", "position")  # fmt: skip
_KR_FIELDS = ("title", "source", "metric_key", "kr_type", "target", "stretch_target", "weight",
              "owner_name", "owner_email", "unit", "position")  # fmt: skip


def _fresh(kr: KeyResult, objective: Objective) -> KeyResult:
    manual = kr.source is Source.MANUAL
    return KeyResult(
        shop_id=kr.shop_id,
        objective_id=objective.id or 0,
        start_value=(kr.final_value or kr.start_value) if manual else None,
        **{name: getattr(kr, name) for name in _KR_FIELDS},
    )
