"""Writing orders, their lines, refunds and customers to the mirror, many at a time.

A webhook's one order and a backfill page's hundred take this same path, so a page costs a
handful of statements rather than a handful per order. The outcome is what applying the
snapshots one by one, in the order given, would give: the newest state of each order wins, a
refund counts once, and the rollups move by the same deltas (the property test in
`tests/metrics/test_properties.py` applies one stream both ways)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Any, overload

from sqlalchemy import bindparam, delete, func, insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.changes import (
    ChangeWriter,
    OrderWritten,
    customer_events,
    order_events,
    publish,
    refund_events,
)
from app.commerce.models import Customer, Order, OrderLineRow, RefundRow
from app.commerce.repository import lock_orders
from app.commerce.rounds import in_rounds
from app.db import Money, insert_many_or_skip, upsert_many_if_newer
from app.integrations.events import CustomerSnapshot, OrderLine, OrderSnapshot, OrderState, Refund

# Customers known only from orders carry no update time: any real update is newer.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


async def write_orders(
    session: AsyncSession,
    shop_id: int,
    snapshots: Sequence[OrderSnapshot],
    rollups: ChangeWriter,
) -> list[OrderWritten]:
    """Write the snapshots newer than what we hold; what was written, in the order given."""
    write_round = partial(_write_round, session, shop_id, rollups=rollups)
    return await in_rounds(snapshots, lambda snapshot: snapshot.platform_id, write_round)


async def _write_round(
    session: AsyncSession, shop_id: int, snapshots: list[OrderSnapshot], *, rollups: ChangeWriter
) -> list[OrderWritten]:
    platform_ids = [snapshot.platform_id for snapshot in snapshots]
    # One order at a time: its refund or another update applied at once must wait, or both
    # would read the other's work as absent.
    await lock_orders(session, shop_id, platform_ids)
    held = await held_orders(session, shop_id, platform_ids)
    rows = await upsert_many_if_newer(
        session,
        Order,
        [order_values(shop_id, snapshot) for snapshot in snapshots],
        ["shop_id", "platform_id"],
        "platform_updated_at",
        ("id", "platform_id"),
    )
    ids = {platform_id: order_id for order_id, platform_id in rows}
    written = [OrderWritten(held.get(s.platform_id), s) for s in snapshots if s.platform_id in ids]
    await _replace_lines(session, shop_id, {ids[w.after.platform_id]: w.after for w in written})
    # Before the refunds below: they are added as new, the held ones move here.
    await rollups.orders_written(session, shop_id, written)
    await apply_refunds(session, shop_id, [r for w in written for r in w.after.refunds], rollups)
    customers = [w.after.customer for w in written if w.after.customer is not None]
    await upsert_customers(session, shop_id, customers)
    first_orders = await refresh_customer_facts(
        session, shop_id, {c.key for c in customers if c.key}
    )
    publish(session, order_events(shop_id, written))
    publish(session, customer_events(shop_id, written, first_orders))
    return written


async def held_orders(
    session: AsyncSession, shop_id: int, platform_ids: list[str]
) -> dict[str, Order]:
    """The states we hold, detached: kept as they were, for the deltas."""
    statement = (
        select(Order)
        .where(Order.shop_id == shop_id, col(Order.platform_id).in_(platform_ids))
        .execution_options(populate_existing=True)
    )
    held = {order.platform_id: order for order in (await session.exec(statement)).all()}
    for order in held.values():
        session.expunge(order)
    return held


async def _replace_lines(
    session: AsyncSession, shop_id: int, orders: dict[int, OrderSnapshot]
) -> None:
    if not orders:
        return
    await session.exec(
        delete(OrderLineRow).where(
            col(OrderLineRow.shop_id) == shop_id, col(OrderLineRow.order_id).in_(orders)
        )
    )
    lines = [
        line_values(shop_id, order_id, line)
        for order_id, snapshot in orders.items()
        for line in snapshot.lines
    ]
    if lines:
        # The table, not the class: plain executemany rather than the ORM's bulk insert.
        await session.exec(insert(_LINES), params=lines)


async def apply_refunds(
    session: AsyncSession, shop_id: int, refunds: list[Refund], rollups: ChangeWriter
) -> list[Refund]:
    """Record refunds we do not hold yet (each on its own date); those that were new."""
    if not refunds:
        return []
    await lock_orders(session, shop_id, (refund.order_platform_id for refund in refunds))
    unique = {refund.platform_id: refund for refund in refunds}
    values = [
        {
            "shop_id": shop_id,
            "platform_id": refund.platform_id,
            "order_platform_id": refund.order_platform_id,
            "refunded_at": refund.created_at,
            "amount": refund.amount,
        }
        for refund in unique.values()
    ]
    inserted = await insert_many_or_skip(
        session, RefundRow, values, ["shop_id", "platform_id"], ("platform_id",)
    )
    new = [unique[platform_id] for (platform_id,) in inserted]
    await rollups.refunds_written(session, shop_id, new)
    publish(session, refund_events(shop_id, new))
    return new


async def upsert_customers(
    session: AsyncSession, shop_id: int, customers: list[CustomerSnapshot]
) -> None:
    """Write each customer's newest snapshot (on a tie, the first given, as one by one)."""
    newest: dict[str, dict[str, Any]] = {}
    for customer in customers:
        values = customer_values(shop_id, customer)
        if values is None:
            continue
        key = values["key"]
        if key not in newest or newest[key]["platform_updated_at"] < values["platform_updated_at"]:
            newest[key] = values
    await upsert_many_if_newer(
        session,
        Customer,
        list(newest.values()),
        ["shop_id", "key"],
        "platform_updated_at",
        ("id",),
    )


def customer_values(shop_id: int, customer: CustomerSnapshot) -> dict[str, Any] | None:
    """The customer's row, None for a shopper we cannot tell apart (no id, no e-mail)."""
    if customer.key is None:
        return None
    return {
        "shop_id": shop_id,
        "key": customer.key,
        "platform_id": customer.platform_id,
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "accepts_marketing": customer.accepts_marketing,
        "platform_updated_at": customer.updated_at or EPOCH,
    }


async def refresh_customer_facts(
    session: AsyncSession, shop_id: int, keys: set[str]
) -> dict[str, datetime | None]:
    """First/last order, count and spend, from each customer's counted orders (it costs the
    customers' orders, never the shop's); each customer's first counted order's time."""
    if not keys:
        return {}
    statement = (
        select(  # type: ignore[call-overload]
            col(Order.customer_key),
            func.min(col(Order.placed_at)),
            func.max(col(Order.placed_at)),
            func.count(col(Order.id)),
            func.coalesce(func.sum(col(Order.current_total)), 0).cast(Money()),
        )
        .where(
            Order.shop_id == shop_id,
            col(Order.customer_key).in_(keys),
            col(Order.test).is_(False),
            Order.state == OrderState.OPEN,
        )
        .group_by(col(Order.customer_key))
    )
    facts = {row[0]: row[1:] for row in (await session.exec(statement)).all()}
    params = [
        dict(zip(_FACTS, (shop_id, key, *facts.get(key, _NO_ORDERS)), strict=True))
        for key in sorted(keys)
    ]
    await session.exec(_SET_FACTS, params=params)
    return {key: facts[key][0] if key in facts else None for key in keys}


_NO_ORDERS = (None, None, 0, Decimal(0))  # first, last, count, spent
_LINES = OrderLineRow.__table__  # type: ignore[attr-defined]
_CUSTOMERS = Customer.__table__  # type: ignore[attr-defined]
_FACTS = ("b_shop", "b_key", "b_first", "b_last", "b_count", "b_spent")
_SET_FACTS = (
    update(_CUSTOMERS)
    .where(_CUSTOMERS.c.shop_id == bindparam("b_shop"), _CUSTOMERS.c.key == bindparam("b_key"))
    .values(
        first_order_at=bindparam("b_first"),
        last_order_at=bindparam("b_last"),
        orders_count=bindparam("b_count"),
        total_spent=bindparam("b_spent", type_=Money()),
    )
)


def order_values(shop_id: int, snapshot: OrderSnapshot) -> dict[str, object]:
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
        "costed_sales": snapshot.costed_sales,
        "cost": snapshot.cost,
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


def line_values(shop_id: int, order_id: int, line: OrderLine) -> dict[str, object]:
    return {
        "shop_id": shop_id,
        "order_id": order_id,
        "platform_id": line.platform_id,
        "product_id": line.product_id,
        "variant_id": line.variant_id,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "discount": line.discount,
        "unit_cost": line.unit_cost,
    }
