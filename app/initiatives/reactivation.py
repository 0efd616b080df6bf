"""Win-back reactivation: a customer's next counted order after our first e-mail ends their
win-back enrollments as converted (reactivated), and an order carrying one of our codes records
the code's redemption (`order_placed`, subscribed to `OrderPlaced`; codes are compared in upper
case, as WooCommerce keeps them in lower case). An order before any e-mail went out stops the
enrollment as "already bought": the customer came back on their own. Subscribers run at most
once, so the daily run catches up what one missed, from the mirror (`reactivate_missed`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.changes import OrderPlaced
from app.commerce.models import Customer, Order
from app.initiatives import steps
from app.initiatives.models import EnrollmentStatus, Initiative, WinBackCode, WinBackEnrollment
from app.integrations.events import OrderState
from app.messaging.models import SkipReason
from app.metrics.marketing import record_reactivation, record_redemptions


async def order_placed(session: AsyncSession, event: OrderPlaced) -> None:
    """Subscriber: a counted order ends its customer's enrollments (reactivated when it came
    after our first e-mail) and records the redemption of a code of ours it carries."""
    await reactivate(
        session,
        event.shop_id,
        event.customer_key,
        event.order_platform_id,
        event.placed_at,
        event.discount_codes,
    )


async def reactivate(
    session: AsyncSession,
    shop_id: int,
    customer_key: str | None,
    order: str,
    placed_at: datetime,
    discount_codes: tuple[str, ...],
) -> int:
    """What order `order` means for the shop's win-back enrollments; how many reactivated."""
    wanted = {code.strip().upper() for code in discount_codes if code.strip()}
    redeemed: list[WinBackCode] = []
    if wanted:
        codes = (
            select(WinBackCode)
            .where(WinBackCode.shop_id == shop_id, col(WinBackCode.code).in_(wanted))
            .with_for_update()
        )
        redeemed = list((await session.exec(codes)).all())
    newly = [code for code in redeemed if code.redeemed_at is None]
    for code in newly:
        code.redeemed_at, code.redeemed_by_order = placed_at, order
        session.add(code)
    await _count_redemptions(session, shop_id, newly, placed_at)
    who = []
    if customer_key:
        who.append(col(WinBackEnrollment.customer_key) == customer_key)
    if redeemed:
        who.append(col(WinBackEnrollment.id).in_([code.enrollment_id for code in redeemed]))
    if not who:
        await session.flush()
        return 0
    statement = (
        select(WinBackEnrollment)
        .where(
            WinBackEnrollment.shop_id == shop_id,
            col(WinBackEnrollment.status).in_([EnrollmentStatus.ACTIVE, EnrollmentStatus.FINISHED]),
            col(WinBackEnrollment.lapsed_since) < placed_at,
            or_(*who),
        )
        .with_for_update(key_share=True)
    )
    reactivated, won_by = 0, None
    for enrollment in (await session.exec(statement)).all():
        sent = enrollment.first_message_at
        if sent is not None and sent <= placed_at:
            steps.end(enrollment, EnrollmentStatus.CONVERTED, "reactivated", placed_at)
            enrollment.reactivated_at, enrollment.reactivated_by_order = placed_at, order
            reactivated += 1
            won_by = won_by or enrollment.initiative_id
        elif enrollment.status is EnrollmentStatus.ACTIVE:
            # They came back before we wrote: nothing more to send, and not our doing.
            steps.end(
                enrollment, EnrollmentStatus.STOPPED, SkipReason.ALREADY_BOUGHT.value, placed_at
            )
        session.add(enrollment)
    await session.flush()
    if won_by is not None:  # counted with the enrollments, in this transaction
        await record_reactivation(session, shop_id, won_by, order, placed_at)
    return reactivated


async def _count_redemptions(
    session: AsyncSession, shop_id: int, codes: list[WinBackCode], placed_at: datetime
) -> None:
    """The codes' first redemptions, for the metrics, each under its enrollment's initiative."""
    if not codes:
        return
    initiatives = await session.exec(
        select(WinBackEnrollment.id, WinBackEnrollment.initiative_id).where(
            WinBackEnrollment.shop_id == shop_id,
            col(WinBackEnrollment.id).in_([code.enrollment_id for code in codes]),
        )
    )
    of = dict(initiatives.all())
    redeemed = [(of.get(code.enrollment_id, 0), code.code, placed_at) for code in codes]
    await record_redemptions(session, shop_id, redeemed)


async def reactivate_missed(session: AsyncSession, initiative: Initiative, now: datetime) -> int:
    """Reactivations a lost `OrderPlaced` subscriber missed: enrollments written to whose
    customer has a counted order since; each is reactivated by the first such order."""
    statement = (
        select(WinBackEnrollment)
        .join(
            Customer,
            (col(Customer.shop_id) == col(WinBackEnrollment.shop_id))
            & (col(Customer.key) == col(WinBackEnrollment.customer_key)),
        )
        .where(
            WinBackEnrollment.shop_id == initiative.shop_id,
            WinBackEnrollment.initiative_id == initiative.id,
            col(WinBackEnrollment.status).in_([EnrollmentStatus.ACTIVE, EnrollmentStatus.FINISHED]),
            col(WinBackEnrollment.first_message_at).is_not(None),
            col(Customer.last_order_at) >= col(WinBackEnrollment.first_message_at),
        )
        .limit(steps.SWEEP_BATCH)
    )
    found = 0
    for enrollment in (await session.exec(statement)).all():
        assert enrollment.first_message_at is not None
        first = (
            await session.exec(
                select(Order)
                .where(
                    Order.shop_id == enrollment.shop_id,
                    Order.customer_key == enrollment.customer_key,
                    Order.state == OrderState.OPEN,
                    col(Order.test).is_(False),
                    col(Order.placed_at) >= enrollment.first_message_at,
                    col(Order.placed_at) <= now,
                )
                .order_by(col(Order.placed_at))
                .limit(1)
            )
        ).first()
        if first is not None:
            codes = tuple(code for code in first.discount_codes.split(",") if code)
            found += await reactivate(
                session,
                enrollment.shop_id,
                enrollment.customer_key,
                first.platform_id,
                first.placed_at,
                codes,
            )
    return found
