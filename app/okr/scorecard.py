"""A cycle's objectives as a tree of live scores: key results roll up into their objective,
aligned objectives into their parent (weighted means)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.okr.evaluation import KRStatus, evaluate_key_results
from app.okr.health import Health, objective_health, of_band
from app.okr.models import Cycle, CycleStatus, KeyResult, Objective
from app.okr.scoring import Band, Bands, weighted_mean
from app.okr.service import bands_for, key_results_of, objectives_of, warnings_for


@dataclass
class KRView:
    key_result: KeyResult
    status: KRStatus


@dataclass
class ObjectiveView:
    objective: Objective
    key_results: list[KRView] = field(default_factory=list)
    children: list[ObjectiveView] = field(default_factory=list)
    score: float | None = None
    band: Band | None = None
    health: Health | None = None  # on track / at risk / off track: `app.okr.health`
    flags: list[str] = field(default_factory=list)


@dataclass
class Scorecard:
    cycle: Cycle
    objectives: list[ObjectiveView]  # the roots; aligned objectives under their parent
    score: float | None
    warnings: list[str]
    bands: Bands = field(default_factory=Bands)  # the shop's, to explain the statuses


async def scorecard(session: AsyncSession, shop_id: int, cycle: Cycle, today: date) -> Scorecard:
    bands = await bands_for(session, shop_id)
    objectives = await objectives_of(session, cycle)
    views = {o.id: ObjectiveView(o) for o in objectives}
    krs = await key_results_of(session, [o.id for o in objectives if o.id is not None])
    rows = [(kr, cycle) for kr in krs]
    statuses = await evaluate_key_results(session, shop_id, rows, today, bands)
    for kr, status in zip(krs, statuses, strict=True):
        if cycle.status is CycleStatus.CLOSED:  # frozen at close
            status = frozen_status(status, kr, bands)
        views[kr.objective_id].key_results.append(KRView(kr, status))
    roots: list[ObjectiveView] = []
    for view in views.values():
        parent = views.get(view.objective.parent_id) if view.objective.parent_id else None
        (parent.children if parent else roots).append(view)
    for root in roots:
        _roll_up(root, bands)
    score = weighted_mean([(r.score, r.objective.weight) for r in roots])
    return Scorecard(cycle, roots, score, await warnings_for(session, cycle), bands)


def _roll_up(view: ObjectiveView, bands: Bands) -> None:
    for child in view.children:
        _roll_up(child, bands)
    parts = [(kr.status.score, kr.key_result.weight) for kr in view.key_results]
    parts += [(child.score, child.objective.weight) for child in view.children]
    view.score = weighted_mean(parts)
    if view.objective.final_score is not None:
        view.score = view.objective.final_score
    view.band = bands.of(view.score)
    statuses = [kr.status.health for kr in view.key_results]
    statuses += [child.health for child in view.children]
    view.health = objective_health(view.band, statuses)
    if not view.key_results:
        view.flags.append("no key results: add at least one so progress can be measured")


def frozen_status(status: KRStatus, kr: KeyResult, bands: Bands) -> KRStatus:
    """A closed cycle's key result as it was when the cycle closed (its band is all that is
    left to judge: there is no pace or forecast after the end)."""
    band = bands.of(kr.final_score)
    return replace(
        status, value=kr.final_value, score=kr.final_score, band=band, health=of_band(band)
    )


async def current_scorecard(session: AsyncSession, shop_id: int, today: date) -> Scorecard | None:
    """The open cycle that contains the shop's `today` (the latest one starting first)."""
    statement = (
        select(Cycle)
        .where(
            Cycle.shop_id == shop_id,
            Cycle.status == CycleStatus.OPEN,
            Cycle.start <= today,
            Cycle.end >= today,
        )
        .order_by(col(Cycle.start).desc())
        .limit(1)
    )
    cycle = (await session.exec(statement)).first()
    return await scorecard(session, shop_id, cycle, today) if cycle else None
