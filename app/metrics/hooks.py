"""Keeping the rollups exact as the mirror changes: each change adds `after − before`, in the
mirror's own transaction (so a rolled-back change moves nothing), and tells the shop's
dashboards which days moved, after commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.events import OrderSnapshot, OrderState, Refund
from app.commerce.models import Checkout, Order, RefundRow
from app.live.publish import publish_after_commit
from app.metrics import rollups
from app.metrics.checkouts import CheckoutFacts, checkout_contribution, facts_of_checkout
from app.metrics.customers import customer_contribution, slotted
from app.metrics.figures import at_slot, combine, difference, slot_of
from app.metrics.sales import (
    OrderFacts,
    SalesContribution,
    counted,
    facts_of_row,
    facts_of_snapshot,
    order_contribution,
    refund_contribution,
)
from app.shops.models import Shop


async def order_written(
    session: AsyncSession, shop_id: int, before: Order | None, after: OrderSnapshot
) -> None:
    """An order was created or replaced by a newer state (the caller holds the order's lock
    and has written the new state)."""
    timezone = await _timezone(session, shop_id)
    old, new = facts_of_row(before), facts_of_snapshot(after)
    changes = difference(order_contribution(new, timezone), order_contribution(old, timezone))
    if _refunds_count_as(old) != _refunds_count_as(new):
        # A cancelled order's refunds leave the figures with it (METRICS.md), and come back if
        # it is restored; they follow the order to or from a known customer.
        held = await _refunds_of(session, shop_id, after.platform_id)
        changes = combine(
            changes,
            difference(_refunds(held, new, timezone), _refunds(held, old, timezone)),
        )
    await _record_sales(session, shop_id, slot_of(after.platform_id), changes)
    await _customers_changed(session, shop_id, timezone, _WhoOrdered.of(before, after))


def _refunds_count_as(order: OrderFacts | None) -> tuple[bool, bool]:
    return (bool(order and order.counted), bool(order and order.has_customer))


def _refunds(
    refunds: list[RefundRow], order: OrderFacts | None, timezone: str
) -> SalesContribution:
    if order is None or not order.counted:
        return {}
    return combine(
        *(
            refund_contribution(r.refunded_at, r.amount, order.has_customer, timezone)
            for r in refunds
        )
    )


async def refund_written(session: AsyncSession, shop_id: int, refund: Refund) -> None:
    """A refund was recorded for the first time: it counts, on its own day, if its order does."""
    statement = select(Order).where(
        Order.shop_id == shop_id, Order.platform_id == refund.order_platform_id
    )
    order = (await session.exec(statement)).first()
    if order is None or not counted(order):
        return  # when the order arrives (or is restored), its refunds are added with it
    timezone = await _timezone(session, shop_id)
    has_customer = order.customer_key is not None
    changes = refund_contribution(refund.created_at, refund.amount, has_customer, timezone)
    await _record_sales(session, shop_id, slot_of(refund.order_platform_id), changes)


async def checkout_changed(
    session: AsyncSession, shop_id: int, before: CheckoutFacts | None, after: Checkout
) -> None:
    """A checkout row changed (the caller holds its row lock)."""
    timezone = await _timezone(session, shop_id)
    changes = difference(
        checkout_contribution(facts_of_checkout(after), timezone),
        checkout_contribution(before, timezone),
    )
    if changes:
        await rollups.add_checkouts(session, shop_id, at_slot(changes, slot_of(after.token)))
        _announce(session, shop_id, "checkouts", changes)


async def _record_sales(
    session: AsyncSession, shop_id: int, slot: int, changes: SalesContribution
) -> None:
    if changes:
        await rollups.add_sales(session, shop_id, at_slot(changes, slot))
        _announce(session, shop_id, "sales", changes)


def _announce(session: AsyncSession, shop_id: int, family: str, days: Iterable[date]) -> None:
    moved = sorted({day.isoformat() for day in days})
    publish_after_commit(session, shop_id, "metrics", {"family": family, "days": moved})


@dataclass(frozen=True)
class _WhoOrdered:
    """One order's place in its customer's history, before and after a change."""

    order_platform_id: str
    before: tuple[str, datetime] | None  # (customer key, placed) when it counted
    after: tuple[str, datetime] | None

    @staticmethod
    def of(before: Order | None, after: OrderSnapshot) -> _WhoOrdered:
        old = None
        if before is not None and counted(before) and before.customer_key is not None:
            old = (before.customer_key, before.placed_at)
        key = after.customer.key if after.customer else None
        new = (key, after.created_at) if after.counted and key is not None else None
        return _WhoOrdered(after.platform_id, old, new)


async def _customers_changed(
    session: AsyncSession, shop_id: int, timezone: str, change: _WhoOrdered
) -> None:
    if change.before == change.after:
        return
    keys = {entry[0] for entry in (change.before, change.after) if entry is not None}
    for key in sorted(keys):  # one order, so at most two customers, always locked in one order
        await rollups.lock_customer(session, shop_id, key)
        others = await _other_orders_placed(session, shop_id, key, change.order_platform_id)
        then = others + [change.before[1]] if change.before and change.before[0] == key else others
        now = others + [change.after[1]] if change.after and change.after[0] == key else others
        moved = customer_contribution(now, timezone).minus(customer_contribution(then, timezone))
        if moved:
            await rollups.add_customers(session, shop_id, slotted(key, moved))
            _announce(session, shop_id, "customers", moved.days)


async def _other_orders_placed(
    session: AsyncSession, shop_id: int, customer_key: str, but: str
) -> list[datetime]:
    """When the customer's other counted orders were placed (read after taking their lock)."""
    statement = select(Order.placed_at).where(
        Order.shop_id == shop_id,
        Order.customer_key == customer_key,
        Order.platform_id != but,
        col(Order.test).is_(False),
        Order.state == OrderState.OPEN,
    )
    return list((await session.exec(statement)).all())


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
