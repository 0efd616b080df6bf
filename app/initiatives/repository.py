"""Initiative queries, each scoped by shop. Repositories flush; the boundary commits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import NotFound
from app.initiatives.models import (
    EnrollmentStatus,
    Initiative,
    InitiativeAudit,
    InitiativeKeyResult,
    InitiativeStatus,
    InitiativeType,
    RecoveryEnrollment,
)
from app.okr.models import KeyResult


async def get_initiative(session: AsyncSession, shop_id: int, initiative_id: int) -> Initiative:
    initiative = await session.get(Initiative, initiative_id)
    if initiative is None or initiative.shop_id != shop_id:
        raise NotFound(f"no initiative {initiative_id}")
    return initiative


async def initiatives_of(session: AsyncSession, shop_id: int) -> list[Initiative]:
    statement = select(Initiative).where(Initiative.shop_id == shop_id).order_by(col(Initiative.id))
    return list((await session.exec(statement)).all())


async def active_of_type(
    session: AsyncSession, shop_id: int, kind: InitiativeType
) -> list[Initiative]:
    statement = select(Initiative).where(
        Initiative.shop_id == shop_id,
        Initiative.type == kind,
        Initiative.status == InitiativeStatus.ACTIVE,
    )
    return list((await session.exec(statement)).all())


async def key_result_ids(
    session: AsyncSession, shop_id: int, initiative_ids: Iterable[int]
) -> dict[int, list[int]]:
    """Initiative id → the ids of the key results it targets."""
    statement = (
        select(InitiativeKeyResult.initiative_id, InitiativeKeyResult.key_result_id)
        .where(
            InitiativeKeyResult.shop_id == shop_id,
            col(InitiativeKeyResult.initiative_id).in_(list(initiative_ids)),
        )
        .order_by(col(InitiativeKeyResult.id))
    )
    found: dict[int, list[int]] = {}
    for initiative_id, key_result_id in (await session.exec(statement)).all():
        found.setdefault(initiative_id, []).append(key_result_id)
    return found


async def shop_key_results(session: AsyncSession, shop_id: int, ids: Iterable[int]) -> set[int]:
    """Those of `ids` that are key results of the shop."""
    statement = select(KeyResult.id).where(
        KeyResult.shop_id == shop_id, col(KeyResult.id).in_(list(ids))
    )
    return {found for found in (await session.exec(statement)).all() if found is not None}


async def link_key_results(
    session: AsyncSession, shop_id: int, initiative_id: int, ids: list[int]
) -> None:
    """The initiative targets exactly `ids` (already checked to be the shop's)."""
    await session.exec(
        delete(InitiativeKeyResult).where(
            col(InitiativeKeyResult.shop_id) == shop_id,
            col(InitiativeKeyResult.initiative_id) == initiative_id,
        )
    )
    session.add_all(
        InitiativeKeyResult(shop_id=shop_id, initiative_id=initiative_id, key_result_id=kr)
        for kr in dict.fromkeys(ids)
    )
    await session.flush()


def audit(
    session: AsyncSession,
    initiative: Initiative,
    actor: str,
    action: str,
    changes: dict[str, Any],
    at: datetime,
) -> None:
    assert initiative.id is not None
    session.add(
        InitiativeAudit(
            shop_id=initiative.shop_id,
            initiative_id=initiative.id,
            actor=actor,
            action=action,
            changes=changes,
            at=at,
        )
    )


async def cancel_pending(
    session: AsyncSession, shop_id: int, initiative_id: int, reason: str, now: datetime
) -> int:
    """End the initiative's enrollments that still have steps to come; how many."""
    result = await session.exec(
        update(RecoveryEnrollment)
        .where(
            col(RecoveryEnrollment.shop_id) == shop_id,
            col(RecoveryEnrollment.initiative_id) == initiative_id,
            col(RecoveryEnrollment.status) == EnrollmentStatus.ACTIVE,
        )
        .values(
            status=EnrollmentStatus.CANCELLED, end_reason=reason, ended_at=now, next_due_at=None
        )
    )
    return result.rowcount or 0
