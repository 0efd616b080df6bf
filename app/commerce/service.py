"""Applying commerce events to the mirror: idempotent, and the newest state wins.

Each apply returns what changed, for the metrics layer to turn into rollup deltas in the same
transaction (a stale or repeated event changes nothing and returns None)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import overload

from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce import repository
from app.commerce.events import (
    CartAbandoned,
    CartRecovered,
    CheckoutChanged,
    CheckoutSnapshot,
    CommerceEvent,
    CustomerSnapshot,
    CustomerUpserted,
    OrderChanged,
    OrderLine,
    OrderSnapshot,
    Refund,
    RefundCreated,
)
from app.commerce.models import Checkout, Customer, Order, OrderLineRow, RefundRow
from app.db import insert_or_skip, upsert_if_newer, utcnow
from app.metrics import hooks as metrics
from app.metrics.checkouts import facts_of_checkout
from app.metrics.rollups import lock_order
from app.metrics.sales import cost_of, costed_sales

# Customers known only from orders carry no update time: any real update is newer.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class OrderWritten:
    before: Order | None  # the state we held, None for a new order
    after: OrderSnapshot


async def apply(session: AsyncSession, shop_id: int, event: CommerceEvent) -> object | None:
    match event:
        case OrderChanged(order=snapshot):
            return await apply_order(session, shop_id, snapshot)
        case RefundCreated(refund=refund):
            return await apply_refund(session, shop_id, refund)
        case CheckoutChanged(checkout=checkout):
            return await apply_checkout(session, shop_id, checkout)
        case CustomerUpserted(customer=customer):
            return await apply_customer(session, shop_id, customer)
        case CartAbandoned(token=token, at=at, email=email):
            return await _mark_abandoned_by_plugin(session, shop_id, token, at, email)
        case CartRecovered(token=token, order_platform_id=order_id, at=at):
            return await _mark_recovered(session, shop_id, token, order_id, at)
    return None


async def apply_order(
    session: AsyncSession, shop_id: int, snapshot: OrderSnapshot
) -> OrderWritten | None:
    # One order at a time: its refund or another update applied at once must wait, or both
    # would read the other's work as absent.
    await lock_order(session, shop_id, snapshot.platform_id)
    before = await repository.get_order(session, shop_id, snapshot.platform_id)
    if before is not None:
        session.expunge(before)  # keep the old state as it was, for the deltas
    order_id = await upsert_if_newer(
        session,
        Order,
        _order_values(shop_id, snapshot),
        ["shop_id", "platform_id"],
        "platform_updated_at",
    )
    if order_id is None:
        return None  # we already hold this state or a newer one
    await repository.replace_lines(
        session, shop_id, order_id, [_line_row(shop_id, order_id, line) for line in snapshot.lines]
    )
    # Before the refunds below: they are added one by one as new, the held ones move here.
    await metrics.order_written(session, shop_id, before, snapshot)
    for refund in snapshot.refunds:
        await apply_refund(session, shop_id, refund)
    if snapshot.customer is not None:
        await apply_customer(session, shop_id, snapshot.customer)
        await refresh_customer_facts(session, shop_id, snapshot.customer)
    if snapshot.checkout_token and snapshot.counted:
        await _complete_checkout(session, shop_id, snapshot)
    return OrderWritten(before, snapshot)


def _order_values(shop_id: int, snapshot: OrderSnapshot) -> dict[str, object]:
    customer = snapshot.customer
    return {
        "shop_id": shop_id,
        "platform_id": snapshot.platform_id,
        "name": _clip(snapshot.name, 64),
        "placed_at": snapshot.created_at,
        "platform_updated_at": snapshot.updated_at,
        "state": snapshot.state,
        "test": snapshot.test,
        "status": _clip(snapshot.status, 32),
        "currency": snapshot.currency,
        "gross": snapshot.gross,
        "discounts": snapshot.discounts,
        "shipping": snapshot.shipping,
        "tax": snapshot.tax,
        "total": snapshot.total,
        "current_total": snapshot.current_total,
        "units": sum(line.quantity for line in snapshot.lines),
        "costed_sales": costed_sales(snapshot.lines),
        "cost": cost_of(snapshot.lines),
        "customer_key": customer.key if customer else None,
        "email": customer.email if customer else None,
        "checkout_token": _clip(snapshot.checkout_token, 255),
        "source": _clip(snapshot.source, 64),
        "landing_site": _clip(snapshot.landing_site, 2048),
        "referrer": _clip(snapshot.referrer, 2048),
        "discount_codes": _clip(",".join(snapshot.discount_codes), 1024),
        "fulfilled_at": snapshot.fulfilled_at,
        "cancelled_at": snapshot.cancelled_at,
    }


@overload
def _clip(value: str, limit: int) -> str: ...
@overload
def _clip(value: str | None, limit: int) -> str | None: ...
def _clip(value: str | None, limit: int) -> str | None:
    """Platform strings cut to their column's width (a landing URL can be any length)."""
    return value[:limit] if value else value


def _line_row(shop_id: int, order_id: int, line: OrderLine) -> OrderLineRow:
    return OrderLineRow(
        shop_id=shop_id,
        order_id=order_id,
        platform_id=line.platform_id,
        product_id=line.product_id,
        variant_id=line.variant_id,
        quantity=line.quantity,
        unit_price=line.unit_price,
        discount=line.discount,
        unit_cost=line.unit_cost,
    )


async def apply_refund(session: AsyncSession, shop_id: int, refund: Refund) -> Refund | None:
    """Record a refund once (on its own date); None when it was already held."""
    await lock_order(session, shop_id, refund.order_platform_id)
    values = {
        "shop_id": shop_id,
        "platform_id": refund.platform_id,
        "order_platform_id": refund.order_platform_id,
        "refunded_at": refund.created_at,
        "amount": refund.amount,
    }
    written = await insert_or_skip(session, RefundRow, values, ["shop_id", "platform_id"])
    if written is None:
        return None
    await metrics.refund_written(session, shop_id, refund)
    return refund


async def apply_customer(
    session: AsyncSession, shop_id: int, customer: CustomerSnapshot
) -> Customer | None:
    key = customer.key
    if key is None:
        return None
    values = {
        "shop_id": shop_id,
        "key": key,
        "platform_id": customer.platform_id,
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "accepts_marketing": customer.accepts_marketing,
        "platform_updated_at": customer.updated_at or _EPOCH,
    }
    await upsert_if_newer(session, Customer, values, ["shop_id", "key"], "platform_updated_at")
    return await repository.get_customer(session, shop_id, key)


async def refresh_customer_facts(
    session: AsyncSession, shop_id: int, customer: CustomerSnapshot
) -> None:
    """First/last order, count and spend, from the customer's counted orders (per customer,
    so it costs the customer's orders, never the shop's)."""
    if customer.key is None:
        return
    row = await repository.get_customer(session, shop_id, customer.key)
    if row is None:
        return
    first, last, count, spent = await repository.customer_order_facts(
        session, shop_id, customer.key
    )
    row.first_order_at, row.last_order_at, row.orders_count, row.total_spent = (
        first,
        last,
        count,
        spent,
    )
    await session.flush()


async def apply_checkout(
    session: AsyncSession, shop_id: int, checkout: CheckoutSnapshot
) -> Checkout | None:
    created = await _ensure_checkout(
        session, shop_id, checkout.token, checkout.created_at, checkout.updated_at
    )
    row = await _locked_checkout(session, shop_id, checkout.token)
    if not created and row.platform_updated_at >= checkout.updated_at:
        return None
    before = facts_of_checkout(row)
    row.platform_updated_at = checkout.updated_at
    row.email, row.phone, row.total = checkout.email, checkout.phone, checkout.total
    row.recovery_url = checkout.recovery_url or row.recovery_url
    row.customer_key = checkout.customer.key if checkout.customer else row.customer_key
    if checkout.has_contact and row.contact_given_at is None:
        row.contact_given_at = checkout.updated_at
    if checkout.completed_at and row.completed_at is None:
        row.completed_at = checkout.completed_at
        if row.abandoned_at is not None:
            row.recovered_at = checkout.completed_at
    session.add(row)
    await session.flush()
    await metrics.checkout_changed(session, shop_id, before, row)
    return row


async def _locked_checkout(session: AsyncSession, shop_id: int, token: str) -> Checkout:
    row = await repository.lock_checkout(session, shop_id, token)
    assert row is not None, "the caller ensured the row exists"
    return row


async def _ensure_checkout(
    session: AsyncSession, shop_id: int, token: str, started_at: datetime, updated_at: datetime
) -> bool:
    """Create the checkout's row unless it exists, in one statement (two events about one
    checkout may be applied at once); True when this call created it."""
    values = {
        "shop_id": shop_id,
        "token": token,
        "started_at": started_at,
        "platform_updated_at": updated_at,
        "total": Decimal("0"),
    }
    return await insert_or_skip(session, Checkout, values, ["shop_id", "token"]) is not None


async def _complete_checkout(session: AsyncSession, shop_id: int, order: OrderSnapshot) -> None:
    """An order placed with a checkout's token completes it; if the checkout had been
    abandoned, this order recovered it."""
    assert order.checkout_token is not None
    checkout = await repository.lock_checkout(session, shop_id, order.checkout_token)
    if checkout is None or checkout.completed_by_order is not None:
        return
    before = facts_of_checkout(checkout)
    checkout.completed_by_order = order.platform_id
    checkout.order_value = order.gross - order.discounts
    checkout.completed_at = checkout.completed_at or order.created_at
    if checkout.abandoned_at is not None and checkout.recovered_at is None:
        checkout.recovered_at = order.created_at
    await session.flush()
    await metrics.checkout_changed(session, shop_id, before, checkout)


async def sweep_abandoned(
    session: AsyncSession, shop_id: int, delay: timedelta, limit: int = 1000
) -> int:
    """Mark checkouts with contact details and no order, untouched for `delay`, abandoned —
    as of their last update plus the delay, whenever the sweep happens to run."""
    stale = await repository.stale_open_checkouts(session, shop_id, utcnow() - delay, limit)
    for checkout in stale:
        before = facts_of_checkout(checkout)
        checkout.abandoned_at = checkout.platform_updated_at + delay
        await session.flush()
        await metrics.checkout_changed(session, shop_id, before, checkout)
    return len(stale)


async def _mark_abandoned_by_plugin(
    session: AsyncSession, shop_id: int, token: str, at: datetime, email: str | None
) -> Checkout:
    await _ensure_checkout(session, shop_id, token, at, at)
    checkout = await _locked_checkout(session, shop_id, token)
    before = facts_of_checkout(checkout)
    checkout.email = checkout.email or email
    if email and checkout.contact_given_at is None:
        checkout.contact_given_at = at
    checkout.abandoned_at = checkout.abandoned_at or at
    await session.flush()
    await metrics.checkout_changed(session, shop_id, before, checkout)
    return checkout


async def _mark_recovered(
    session: AsyncSession, shop_id: int, token: str, order_id: str | None, at: datetime
) -> Checkout | None:
    checkout = await repository.lock_checkout(session, shop_id, token)
    if checkout is None or checkout.recovered_at is not None:
        return None
    before = facts_of_checkout(checkout)
    checkout.recovered_at = at
    checkout.completed_at = checkout.completed_at or at
    checkout.completed_by_order = order_id
    order = await repository.get_order(session, shop_id, order_id) if order_id else None
    if order is not None:
        checkout.order_value = order.gross - order.discounts
    await session.flush()
    await metrics.checkout_changed(session, shop_id, before, checkout)
    return checkout
