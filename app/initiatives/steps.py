"""What every kind of enrollment shares: the steps due now, and one enrollment locked for its
step's job (recovery and win-back enrollments, and survey invitations, have the same status and
step columns).

An uninstalled shop sends nothing more: each sweep first cancels the pending steps of shops
that are not active (`cancel_where_shop_gone`), and a step's job checks the shop again at send
time (`shop_gone`) — a check where the steps are, not a call from the uninstall down here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.initiatives.models import (
    EnrollmentStatus,
    Initiative,
    InitiativeStatus,
    RecoveryEnrollment,
    WinBackEnrollment,
)
from app.initiatives.surveys.models import SurveyInvitation
from app.shops.models import Shop, ShopStatus

SWEEP_BATCH = 500
SHOP_GONE = "shop_not_connected"
Enrollment = TypeVar("Enrollment", RecoveryEnrollment, WinBackEnrollment, SurveyInvitation)


async def due_steps(
    session: AsyncSession, model: type[Enrollment], now: datetime
) -> list[tuple[int, int]]:
    """(enrollment id, step) of every step due now, oldest first; the pending steps of shops
    no longer active are cancelled first, not queued."""
    await cancel_where_shop_gone(session, model, now)
    statement = (
        select(model.id, model.next_step)
        .where(model.status == EnrollmentStatus.ACTIVE, col(model.next_due_at) <= now)
        .order_by(col(model.next_due_at))
        .limit(SWEEP_BATCH)
    )
    return [(id_, step) for id_, step in (await session.exec(statement)).all() if id_ is not None]


async def lock(
    session: AsyncSession, model: type[Enrollment], enrollment_id: int
) -> Enrollment | None:
    """The enrollment, locked until the job's transaction ends, as it is now. FOR NO KEY
    UPDATE: rows written meanwhile in transactions of their own that refer to it (a win-back
    code) take a KEY SHARE lock on it, which FOR UPDATE would block."""
    statement = (
        select(model)
        .where(model.id == enrollment_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    return (await session.exec(statement)).first()


async def lock_if_due(
    session: AsyncSession, model: type[Enrollment], enrollment_id: int, step: int, now: datetime
) -> Enrollment | None:
    """The enrollment, locked, if step `step` is its next and is due by `now`; else None (a
    job run twice, or for a step already done, skipped or cancelled)."""
    enrollment = await lock(session, model, enrollment_id)
    if (
        enrollment is None
        or enrollment.status is not EnrollmentStatus.ACTIVE
        or enrollment.next_step != step
        or enrollment.next_due_at is None
        or enrollment.next_due_at > now
    ):
        return None
    return enrollment


@dataclass(frozen=True)
class DueStep(Generic[Enrollment]):
    """A step that may be sent now: its enrollment (locked), active initiative and shop."""

    enrollment: Enrollment
    initiative: Initiative
    shop: Shop


async def due_and_wanted(
    session: AsyncSession, model: type[Enrollment], enrollment_id: int, step: int, now: datetime
) -> DueStep[Enrollment] | None:
    """Step `step` of the enrollment when it is still due and may be sent; else None: not due
    (a job run twice), its initiative no longer active (pausing or ending cancels the
    enrollment itself), or its shop gone (the enrollment is cancelled here: an uninstalled
    shop's customers get nothing more)."""
    enrollment = await lock_if_due(session, model, enrollment_id, step, now)
    if enrollment is None:
        return None
    initiative = await session.get(Initiative, enrollment.initiative_id)
    shop = await session.get(Shop, enrollment.shop_id)
    if initiative is None or initiative.status is not InitiativeStatus.ACTIVE:
        return None
    if shop is None or shop_gone(shop):
        end(enrollment, EnrollmentStatus.CANCELLED, SHOP_GONE, now)
        session.add(enrollment)
        return None
    return DueStep(enrollment, initiative, shop)


def end(enrollment: Enrollment, status: EnrollmentStatus, reason: str, now: datetime) -> None:
    """No more steps: the enrollment ends as `status`, for `reason`."""
    enrollment.status, enrollment.end_reason = status, reason
    enrollment.next_due_at, enrollment.ended_at = None, now


def shop_gone(shop: Shop | None) -> bool:
    """The shop was uninstalled (or is not connected): none of its steps may be sent."""
    return shop is None or shop.status is not ShopStatus.ACTIVE


async def cancel_where_shop_gone(
    session: AsyncSession, model: type[Enrollment], now: datetime
) -> int:
    """Cancel the pending steps of every shop that is not active; how many enrollments."""
    inactive = select(Shop.id).where(Shop.status != ShopStatus.ACTIVE)
    result = await session.exec(
        update(model)
        .where(
            col(model.status) == EnrollmentStatus.ACTIVE,
            col(model.shop_id).in_(inactive.scalar_subquery()),
        )
        .values(
            status=EnrollmentStatus.CANCELLED, end_reason=SHOP_GONE, ended_at=now, next_due_at=None
        )
    )
    return result.rowcount or 0
