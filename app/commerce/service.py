"""Applying commerce events to the mirror: idempotent, and the newest state wins.

Each apply hands what changed to the `ChangeWriter` it is given (the rollups, in the same
transaction), publishes it as domain events after commit (`app.commerce.changes`), and returns
it (a stale or repeated event changes nothing and returns None)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce import bulk, checkouts, orders, repository
from app.commerce.bulk import BulkChangeWriter
from app.commerce.changes import ChangeWriter, CheckoutWritten, OrderWritten, facts_of_checkout
from app.commerce.checkouts import checkouts_written
from app.commerce.models import Checkout, Customer
from app.db import utcnow
from app.integrations.events import (
    CartAbandoned,
    CartRecovered,
    CheckoutChanged,
    CheckoutSnapshot,
    CommerceEvent,
    CustomerSnapshot,
    CustomerUpserted,
    OrderChanged,
    OrderSnapshot,
    Refund,
    RefundCreated,
)


async def apply(
    session: AsyncSession, shop_id: int, event: CommerceEvent, rollups: ChangeWriter
) -> object | None:
    match event:
        case OrderChanged(order=snapshot):
            return await apply_order(session, shop_id, snapshot, rollups)
        case RefundCreated(refund=refund):
            return await apply_refund(session, shop_id, refund, rollups)
        case CheckoutChanged(checkout=checkout):
            return await apply_checkout(session, shop_id, checkout, rollups)
        case CustomerUpserted(customer=customer):
            return await apply_customer(session, shop_id, customer)
        case CartAbandoned(token=token, at=at, email=email):
            return await _mark_abandoned_by_plugin(session, shop_id, token, at, email, rollups)
        case CartRecovered(token=token, order_platform_id=order_id, at=at):
            return await _mark_recovered(session, shop_id, token, order_id, at, rollups)
    return None


async def apply_order(
    session: AsyncSession, shop_id: int, snapshot: OrderSnapshot, rollups: ChangeWriter
) -> OrderWritten | None:
    written = await apply_orders(session, shop_id, [snapshot], rollups)
    return written[0] if written else None  # None: we already hold this state or a newer one


async def apply_orders(
    session: AsyncSession,
    shop_id: int,
    snapshots: Sequence[OrderSnapshot],
    rollups: ChangeWriter,
) -> list[OrderWritten]:
    """Apply order snapshots (a webhook's one, a backfill page's many), as one by one."""
    written = await orders.write_orders(session, shop_id, snapshots, rollups)
    counted = [w.after for w in written if w.after.counted]
    await _complete_checkouts(session, shop_id, counted, rollups)
    return written


async def apply_orders_in_bulk(
    session: AsyncSession,
    shop_id: int,
    snapshots: Sequence[OrderSnapshot],
    rollups: BulkChangeWriter,
) -> list[OrderWritten]:
    """`apply_orders` by set-based statements (PostgreSQL; a backfill's thousands at once)."""
    written = await bulk.write_orders_in_bulk(session, shop_id, snapshots, rollups)
    counted = [w.after for w in written if w.after.counted]
    await _complete_checkouts(session, shop_id, counted, rollups)
    return written


async def apply_refund(
    session: AsyncSession, shop_id: int, refund: Refund, rollups: ChangeWriter
) -> Refund | None:
    """Record a refund once (on its own date); None when it was already held."""
    new = await orders.apply_refunds(session, shop_id, [refund], rollups)
    return new[0] if new else None


async def apply_customer(
    session: AsyncSession, shop_id: int, customer: CustomerSnapshot
) -> Customer | None:
    if customer.key is None:
        return None
    await orders.upsert_customers(session, shop_id, [customer])
    return await repository.get_customer(session, shop_id, customer.key)


async def apply_customers(
    session: AsyncSession, shop_id: int, customers: Sequence[CustomerSnapshot]
) -> None:
    """Apply customer snapshots (a backfill page's many), as one by one."""
    await orders.upsert_customers(session, shop_id, list(customers))


async def apply_checkout(
    session: AsyncSession, shop_id: int, checkout: CheckoutSnapshot, rollups: ChangeWriter
) -> Checkout | None:
    changed = await checkouts.apply_checkouts(session, shop_id, [checkout], rollups)
    return changed[0] if changed else None  # None: we already hold this state or a newer one


async def apply_checkouts(
    session: AsyncSession,
    shop_id: int,
    snapshots: Sequence[CheckoutSnapshot],
    rollups: ChangeWriter,
) -> None:
    """Apply checkout snapshots (a reconciliation page's many), as one by one."""
    await checkouts.apply_checkouts(session, shop_id, snapshots, rollups)


async def _locked_checkout(session: AsyncSession, shop_id: int, token: str) -> Checkout:
    row = await repository.lock_checkout(session, shop_id, token)
    assert row is not None, "the caller ensured the row exists"
    return row


async def _ensure_checkout(
    session: AsyncSession, shop_id: int, token: str, started_at: datetime, updated_at: datetime
) -> bool:
    return bool(
        await checkouts.ensure_checkouts(session, shop_id, [(token, started_at, updated_at)])
    )


async def _complete_checkouts(
    session: AsyncSession, shop_id: int, orders: list[OrderSnapshot], rollups: ChangeWriter
) -> None:
    """An order placed with a checkout's token completes it; if the checkout had been
    abandoned, this order recovered it. The first order naming a checkout completes it. A
    token the mirror holds no checkout for is a checkout known from its order alone
    (`checkouts.from_orders`): started and completed as the order was placed."""
    tokens = [order.checkout_token for order in orders if order.checkout_token]
    if not tokens:
        return
    known = await checkouts.from_orders(session, shop_id, orders)
    # Their rollups move; no event: the orders' own tell of them, and no checkout subscriber
    # has anything to do with a checkout it never heard of (a backfill makes one per order).
    await rollups.checkouts_known(session, shop_id, known)
    created = {checkout.token for checkout in known}
    rows = await repository.lock_checkouts(
        session, shop_id, [t for t in tokens if t not in created]
    )
    changes = []
    for order in orders:
        checkout = rows.get(order.checkout_token or "")
        if checkout is None or checkout.completed_by_order is not None:
            continue
        before = facts_of_checkout(checkout)
        checkout.completed_by_order = order.platform_id
        checkout.order_value = order.gross - order.discounts
        checkout.completed_at = checkout.completed_at or order.created_at
        _contact_of_order(checkout, order)
        if checkout.abandoned_at is not None and checkout.recovered_at is None:
            checkout.recovered_at = order.created_at
        changes.append(CheckoutWritten(before, checkout))
    await checkouts_written(session, shop_id, changes, rollups)


def _contact_of_order(checkout: Checkout, order: OrderSnapshot) -> None:
    """A checkout that became an order with an e-mail had contact details given, whether or not
    the store reported them on the checkout (and whichever of the two arrived first)."""
    email = checkout.email or (order.customer.email if order.customer else None)
    if checkout.contact_given_at is None and email and email.strip():
        checkout.email, checkout.contact_given_at = email.strip(), order.created_at


async def sweep_abandoned(
    session: AsyncSession,
    shop_id: int,
    delay: timedelta,
    rollups: ChangeWriter,
    limit: int = 1000,
) -> int:
    """Mark checkouts with contact details and no order, untouched for `delay`, abandoned —
    as of their last update plus the delay, whenever the sweep happens to run."""
    stale = await repository.stale_open_checkouts(session, shop_id, utcnow() - delay, limit)
    changes = []
    for checkout in stale:
        before = facts_of_checkout(checkout)
        checkout.abandoned_at = checkout.platform_updated_at + delay
        changes.append(CheckoutWritten(before, checkout))
    await checkouts_written(session, shop_id, changes, rollups)
    return len(stale)


async def _mark_abandoned_by_plugin(
    session: AsyncSession,
    shop_id: int,
    token: str,
    at: datetime,
    email: str | None,
    rollups: ChangeWriter,
) -> Checkout:
    created = await _ensure_checkout(session, shop_id, token, at, at)
    checkout = await _locked_checkout(session, shop_id, token)
    before = None if created else facts_of_checkout(checkout)
    checkout.email = checkout.email or email
    if email and checkout.contact_given_at is None:
        checkout.contact_given_at = at
    checkout.abandoned_at = checkout.abandoned_at or at
    await checkouts_written(session, shop_id, [CheckoutWritten(before, checkout)], rollups)
    return checkout


async def _mark_recovered(
    session: AsyncSession,
    shop_id: int,
    token: str,
    order_id: str | None,
    at: datetime,
    rollups: ChangeWriter,
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
    await checkouts_written(session, shop_id, [CheckoutWritten(before, checkout)], rollups)
    return checkout
