"""Keeping the rollups exact as the mirror changes: each change adds `after − before`, in the
mirror's own transaction (so a rolled-back change moves nothing)."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.events import OrderSnapshot, OrderState, Refund
from app.commerce.models import Order, RefundRow
from app.live.publish import publish_after_commit
from app.metrics import rollups
from app.metrics.figures import (
    Contribution,
    OrderFacts,
    combine,
    difference,
    order_contribution,
    refund_contribution,
    slot_of,
)
from app.shops.models import Shop


async def order_written(
    session: AsyncSession, shop_id: int, before: Order | None, after: OrderSnapshot
) -> None:
    """An order was created or replaced by a newer state (the caller holds the order's lock)."""
    timezone = await _timezone(session, shop_id)
    old, new = facts_of_row(before), facts_of_snapshot(after)
    changes = difference(order_contribution(new, timezone), order_contribution(old, timezone))
    was_counted, is_counted = bool(old and old.counted), new.counted
    if was_counted != is_counted:
        # A cancelled order's refunds leave the figures with it (METRICS.md), and come back if
        # it is restored.
        sign = 1 if is_counted else -1
        held = await _refunds_of(session, shop_id, after.platform_id)
        for refund in held:
            moved = refund_contribution(refund.refunded_at, sign * refund.amount, timezone)
            changes = combine(changes, moved)
    await _record(session, shop_id, slot_of(after.platform_id), changes)


async def refund_written(session: AsyncSession, shop_id: int, refund: Refund) -> None:
    """A refund was recorded for the first time: it counts, on its own day, if its order does."""
    statement = select(Order).where(
        Order.shop_id == shop_id, Order.platform_id == refund.order_platform_id
    )
    order = (await session.exec(statement)).first()
    if order is None or not counted(order):
        return  # when the order arrives (or is restored), its refunds are added with it
    timezone = await _timezone(session, shop_id)
    changes = refund_contribution(refund.created_at, refund.amount, timezone)
    await _record(session, shop_id, slot_of(refund.order_platform_id), changes)


async def _record(session: AsyncSession, shop_id: int, slot: int, changes: Contribution) -> None:
    """Add the changes, and tell the shop's dashboards which days moved (after commit)."""
    if not changes:
        return
    await rollups.add(session, shop_id, slot, changes)
    days = sorted(day.isoformat() for day in changes)
    publish_after_commit(session, shop_id, "metrics", {"family": "sales", "days": days})


def counted(order: Order) -> bool:
    return not order.test and order.state is OrderState.OPEN


def facts_of_row(order: Order | None) -> OrderFacts | None:
    if order is None:
        return None
    return OrderFacts(counted(order), order.placed_at, order.gross, order.discounts, order.units)


def facts_of_snapshot(order: OrderSnapshot) -> OrderFacts:
    units = sum(line.quantity for line in order.lines)
    return OrderFacts(order.counted, order.created_at, order.gross, order.discounts, units)


async def _refunds_of(
    session: AsyncSession, shop_id: int, order_platform_id: str
) -> list[RefundRow]:
    statement = select(RefundRow).where(
        RefundRow.shop_id == shop_id, RefundRow.order_platform_id == order_platform_id
    )
    return list((await session.exec(statement)).all())


async def _timezone(session: AsyncSession, shop_id: int) -> str:
    timezone = (await session.exec(select(Shop.timezone).where(Shop.id == shop_id))).one()
    return str(timezone)
