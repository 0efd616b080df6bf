"""An initiative's experiment report: its groups' outcomes from the database, the results
and the lift on each linked key result from the pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.initiatives import repository
from app.initiatives.experiments.assignment import configured_shares
from app.initiatives.experiments.lift import KeyResultLift, lifts
from app.initiatives.experiments.outcomes import outcomes
from app.initiatives.experiments.results import Results, results
from app.initiatives.models import Initiative, InitiativeKeyResult
from app.okr.models import KeyResult


@dataclass(frozen=True)
class Report:
    initiative_id: int
    results: Results
    key_results: list[KeyResultLift]


async def report(session: AsyncSession, shop_id: int, initiative_id: int, now: datetime) -> Report:
    initiative = await repository.get_initiative(session, shop_id, initiative_id)
    return await report_of(session, initiative, now)


async def report_of(session: AsyncSession, initiative: Initiative, now: datetime) -> Report:
    assert initiative.id is not None
    found = results(await outcomes(session, initiative, now), configured_shares(initiative))
    linked = await _key_results(session, initiative)
    return Report(initiative.id, found, lifts(found, linked))


async def _key_results(
    session: AsyncSession, initiative: Initiative
) -> list[tuple[int, str, str | None]]:
    statement = (
        select(KeyResult.id, KeyResult.title, KeyResult.metric_key)
        .join(InitiativeKeyResult, col(InitiativeKeyResult.key_result_id) == col(KeyResult.id))
        .where(
            InitiativeKeyResult.shop_id == initiative.shop_id,
            InitiativeKeyResult.initiative_id == initiative.id,
        )
        .order_by(col(KeyResult.id))
    )
    return [(id_, title, key) for id_, title, key in (await session.exec(statement)).all() if id_]


async def reports_for_key_result(
    session: AsyncSession, shop_id: int, key_result_id: int, now: datetime
) -> list[tuple[Initiative, KeyResultLift]]:
    """The lift of each of the shop's initiatives linked to the key result (for its page)."""
    statement = (
        select(Initiative)
        .join(InitiativeKeyResult, col(InitiativeKeyResult.initiative_id) == col(Initiative.id))
        .where(
            InitiativeKeyResult.shop_id == shop_id,
            InitiativeKeyResult.key_result_id == key_result_id,
        )
        .order_by(col(Initiative.id))
    )
    found = []
    for initiative in (await session.exec(statement)).all():
        if initiative.holdout_share <= 0:
            continue
        made = await report_of(session, initiative, now)
        found += [
            (initiative, lift) for lift in made.key_results if lift.key_result_id == key_result_id
        ]
    return found
