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
    WinBackEnrollment,
)
from app.initiatives.surveys.models import SurveyInvitation
from app.messaging.models import MarketingSend, SendStatus
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
    cancelled = 0
    for model in (RecoveryEnrollment, WinBackEnrollment, SurveyInvitation):
        result = await session.exec(
            update(model)
            .where(
                col(model.shop_id) == shop_id,
                col(model.initiative_id) == initiative_id,
                col(model.status) == EnrollmentStatus.ACTIVE,
            )
            .values(
                status=EnrollmentStatus.CANCELLED, end_reason=reason, ended_at=now, next_due_at=None
            )
        )
        cancelled += result.rowcount or 0
    return cancelled


# --- Reads for the admin's pages --------------------------------------------------------------


async def linked_to_key_result(
    session: AsyncSession, shop_id: int, key_result_id: int
) -> list[Initiative]:
    """The shop's initiatives that target the key result, oldest first."""
    statement = (
        select(Initiative)
        .join(InitiativeKeyResult, col(InitiativeKeyResult.initiative_id) == col(Initiative.id))
        .where(
            Initiative.shop_id == shop_id,
            InitiativeKeyResult.shop_id == shop_id,
            InitiativeKeyResult.key_result_id == key_result_id,
        )
        .order_by(col(Initiative.id))
    )
    return list((await session.exec(statement)).all())


async def key_results_by_id(
    session: AsyncSession, shop_id: int, ids: Iterable[int]
) -> dict[int, KeyResult]:
    """The shop's key results among `ids`, by id."""
    statement = select(KeyResult).where(
        KeyResult.shop_id == shop_id, col(KeyResult.id).in_(list(ids))
    )
    return {kr.id: kr for kr in (await session.exec(statement)).all() if kr.id is not None}


async def recent_sends(
    session: AsyncSession, shop_id: int, initiative_id: int, limit: int
) -> list[MarketingSend]:
    """The initiative's send log, latest change first."""
    statement = (
        select(MarketingSend)
        .where(MarketingSend.shop_id == shop_id, MarketingSend.initiative_id == initiative_id)
        .order_by(col(MarketingSend.updated_at).desc(), col(MarketingSend.id).desc())
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def failed_sends(
    session: AsyncSession, shop_id: int, limit: int
) -> list[tuple[MarketingSend, str]]:
    """The shop's marketing e-mails the SMTP server refused or could not be reached for, with
    their initiative's name, latest first."""
    statement = (
        select(MarketingSend, Initiative.name)
        .join(Initiative, col(Initiative.id) == col(MarketingSend.initiative_id))
        .where(
            MarketingSend.shop_id == shop_id,
            Initiative.shop_id == shop_id,
            MarketingSend.status == SendStatus.FAILED,
        )
        .order_by(col(MarketingSend.updated_at).desc(), col(MarketingSend.id).desc())
        .limit(limit)
    )
    return [(send, name) for send, name in (await session.exec(statement)).all()]


async def last_audited(
    session: AsyncSession, shop_id: int, action: str, since: datetime
) -> datetime | None:
    """When the shop's initiatives were last audited with `action`, if after `since`."""
    statement = (
        select(InitiativeAudit.at)
        .where(
            InitiativeAudit.shop_id == shop_id,
            InitiativeAudit.action == action,
            col(InitiativeAudit.at) > since,
        )
        .order_by(col(InitiativeAudit.at).desc())
        .limit(1)
    )
    return (await session.exec(statement)).first()


async def relabel_audit(
    session: AsyncSession, shop_id: int, action: str, at: datetime, new_action: str
) -> None:
    """The shop's audit entry `action` made at `at` is now `new_action` (a claimed test send
    that did not go out)."""
    await session.exec(
        update(InitiativeAudit)
        .where(
            col(InitiativeAudit.shop_id) == shop_id,
            col(InitiativeAudit.action) == action,
            col(InitiativeAudit.at) == at,
        )
        .values(action=new_action)
    )


async def audit_of(
    session: AsyncSession, shop_id: int, initiative_id: int, limit: int
) -> list[InitiativeAudit]:
    """The initiative's audit, latest first."""
    statement = (
        select(InitiativeAudit)
        .where(InitiativeAudit.shop_id == shop_id, InitiativeAudit.initiative_id == initiative_id)
        .order_by(col(InitiativeAudit.at).desc(), col(InitiativeAudit.id).desc())
        .limit(limit)
    )
    return list((await session.exec(statement)).all())
