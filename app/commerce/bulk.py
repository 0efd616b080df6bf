"""Writing many orders at once on PostgreSQL (a backfill's batches of thousands): COPY into
staging tables, then set-based statements into the mirror, with the rollups moved by set-based
statements too (`BulkChangeWriter`).

The outcome is the one `orders.write_orders` gives — the newest state of each order wins, a
refund counts once, lines are replaced, customers' facts follow their orders, the same domain
events — in a handful of statements per batch instead of several per order. A record already
held in this state or a newer one changes nothing, so a backfill run twice writes nothing the
second time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any, Protocol

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.changes import (
    ChangeWriter,
    OrderWritten,
    customer_events,
    order_events,
    publish,
    refund_events,
)
from app.commerce.orders import customer_values, held_orders, line_values, order_values
from app.commerce.repository import lock_orders
from app.commerce.rounds import in_rounds
from app.commerce.staging import (
    STAGED_CUSTOMERS,
    STAGED_LINES,
    STAGED_ORDERS,
    STAGED_REFUNDS,
    stage,
)
from app.integrations.events import CustomerSnapshot, OrderSnapshot, OrderState, Refund


class BulkChangeWriter(ChangeWriter, Protocol):
    """What moves with the mirror when orders are written in bulk (the rollups), by set-based
    statements over the orders as the mirror holds them."""

    async def replacing_orders(
        self, session: AsyncSession, shop_id: int, platform_ids: list[str], customer_keys: set[str]
    ) -> None:
        """These orders are about to be written (their locks are held): take out what they
        and their refunds contribute now; these customers' figures change with them."""

    async def orders_replaced(self, session: AsyncSession, shop_id: int) -> None:
        """They are written, with their refunds: add what they contribute now."""


async def write_orders_in_bulk(
    session: AsyncSession,
    shop_id: int,
    snapshots: Sequence[OrderSnapshot],
    rollups: BulkChangeWriter,
) -> list[OrderWritten]:
    """`orders.write_orders`, set-based: what was written, in the order given."""
    write_round = partial(_write_round, session, shop_id, rollups=rollups)
    return await in_rounds(snapshots, lambda snapshot: snapshot.platform_id, write_round)


async def _write_round(
    session: AsyncSession,
    shop_id: int,
    snapshots: list[OrderSnapshot],
    *,
    rollups: BulkChangeWriter,
) -> list[OrderWritten]:
    await lock_orders(session, shop_id, (snapshot.platform_id for snapshot in snapshots))
    held = await held_orders(session, shop_id, [s.platform_id for s in snapshots])
    written = [
        OrderWritten(held.get(s.platform_id), s)
        for s in snapshots
        if _newer(s, held.get(s.platform_id))
    ]
    if not written:
        return []
    await _stage(session, shop_id, [w.after for w in written])
    keys = {w.after.customer.key for w in written if w.after.customer and w.after.customer.key}
    keys |= {w.before.customer_key for w in written if w.before and w.before.customer_key}
    await rollups.replacing_orders(session, shop_id, [w.after.platform_id for w in written], keys)
    await session.exec(_UPSERT_ORDERS, params={"shop": shop_id})  # type: ignore[call-overload]
    await session.exec(_DELETE_LINES, params={"shop": shop_id})  # type: ignore[call-overload]
    await session.exec(_INSERT_LINES, params={"shop": shop_id})  # type: ignore[call-overload]
    inserted = await session.exec(_INSERT_REFUNDS)  # type: ignore[call-overload]
    new_refunds = {str(row[0]) for row in inserted.all()}
    await rollups.orders_replaced(session, shop_id)
    customers = [w.after.customer for w in written if w.after.customer is not None]
    await upsert_customers_in_bulk(session, shop_id, customers)
    first_orders = await refresh_customer_facts(
        session, shop_id, {c.key for c in customers if c.key}
    )
    refunds = _unique_refunds(written, new_refunds)
    publish(session, order_events(shop_id, written))
    publish(session, refund_events(shop_id, refunds))
    publish(session, customer_events(shop_id, written, first_orders))
    return written


def _newer(snapshot: OrderSnapshot, held: Any) -> bool:
    """As `upsert_many_if_newer`: a state replaces one strictly older."""
    return held is None or held.platform_updated_at < snapshot.updated_at


def _unique_refunds(written: list[OrderWritten], new: set[str]) -> list[Refund]:
    refunds: dict[str, Refund] = {}
    for change in written:
        for refund in change.after.refunds:
            if refund.platform_id in new:
                refunds.setdefault(refund.platform_id, refund)
    return list(refunds.values())


async def _stage(session: AsyncSession, shop_id: int, snapshots: list[OrderSnapshot]) -> None:
    orders = [order_values(shop_id, snapshot) for snapshot in snapshots]
    await stage(session, STAGED_ORDERS, _ORDER_COLUMNS, [tuple(o.values()) for o in orders])
    lines = [
        (*line_values(shop_id, 0, line).values(), snapshot.platform_id)
        for snapshot in snapshots
        for line in snapshot.lines
    ]
    await stage(session, STAGED_LINES, _LINE_COLUMNS, lines)
    refunds = [
        (shop_id, r.platform_id, r.order_platform_id, r.created_at, r.amount)
        for snapshot in snapshots
        for r in snapshot.refunds
    ]
    await stage(session, STAGED_REFUNDS, _REFUND_COLUMNS, refunds)


async def upsert_customers_in_bulk(
    session: AsyncSession, shop_id: int, customers: list[CustomerSnapshot]
) -> None:
    """`orders.upsert_customers` by COPY and one statement: each customer's newest snapshot
    (on a tie, the first given) replaces an older one."""
    rows = [values for customer in customers if (values := customer_values(shop_id, customer))]
    records = [(*(row[name] for name in _CUSTOMER_COLUMNS), n) for n, row in enumerate(rows)]
    await stage(session, STAGED_CUSTOMERS, (*_CUSTOMER_COLUMNS, "ordinal"), records)
    if records:
        await session.exec(_UPSERT_CUSTOMERS)  # type: ignore[call-overload]


async def refresh_customer_facts(
    session: AsyncSession, shop_id: int, keys: set[str]
) -> dict[str, datetime | None]:
    """`orders.refresh_customer_facts` in one statement: each customer's first and last counted
    order, count and spend; each customer's first counted order's time."""
    if not keys:
        return {}
    params = {"shop": shop_id, "keys": sorted(keys), "open": OrderState.OPEN.value}
    rows = (await session.exec(_SET_FACTS, params=params)).all()  # type: ignore[call-overload]
    first = {str(key): moment for key, moment in rows}
    return {key: first.get(key) for key in keys}


_ORDER_COLUMNS = (
    "shop_id", "platform_id", "name", "placed_at", "platform_updated_at", "state", "test",
    "status", "currency", "gross", "discounts", "shipping", "tax", "total", "current_total",
    "units", "costed_sales", "cost", "customer_key", "email", "checkout_token", "source",
    "landing_site", "referrer", "discount_codes", "fulfilled_at", "cancelled_at",
)  # fmt: skip
_LINE_COLUMNS = (
    "shop_id", "order_id", "platform_id", "product_id", "variant_id", "quantity", "unit_price",
    "discount", "unit_cost", "order_platform_id",
)  # fmt: skip
_REFUND_COLUMNS = ("shop_id", "platform_id", "order_platform_id", "refunded_at", "amount")
_CHANGED = ", ".join(
    f"{name} = excluded.{name}" for name in _ORDER_COLUMNS if name not in ("shop_id", "platform_id")
)
_ORDER_LIST = ", ".join(_ORDER_COLUMNS)
# Every staged order is newer than the one held (checked under the orders' locks above); the
# condition stays as the guard the one-by-one path has.
_UPSERT_ORDERS = text(
    f"INSERT INTO orders ({_ORDER_LIST}) SELECT {_ORDER_LIST} FROM {STAGED_ORDERS} "
    f"ON CONFLICT (shop_id, platform_id) DO UPDATE SET {_CHANGED} "
    "WHERE orders.platform_updated_at < excluded.platform_updated_at"
)
_DELETE_LINES = text(
    f"DELETE FROM order_lines USING orders o JOIN {STAGED_ORDERS} s "
    "ON o.shop_id = :shop AND o.platform_id = s.platform_id "
    "WHERE order_lines.order_id = o.id AND order_lines.shop_id = :shop"
)
_LINE_LIST = ", ".join(_LINE_COLUMNS[:-1])
_INSERT_LINES = text(
    f"INSERT INTO order_lines ({_LINE_LIST}) SELECT "
    + ", ".join("o.id" if name == "order_id" else f"l.{name}" for name in _LINE_COLUMNS[:-1])
    + f" FROM {STAGED_LINES} l JOIN orders o "
    "ON o.shop_id = :shop AND o.platform_id = l.order_platform_id"
)
_INSERT_REFUNDS = text(
    f"INSERT INTO refunds ({', '.join(_REFUND_COLUMNS)}) "
    f"SELECT DISTINCT ON (platform_id) {', '.join(_REFUND_COLUMNS)} FROM {STAGED_REFUNDS} "
    "ON CONFLICT (shop_id, platform_id) DO NOTHING RETURNING platform_id"
)
_SET_FACTS = text(
    "UPDATE customers c SET first_order_at = f.first, last_order_at = f.last, "
    "orders_count = f.count, total_spent = f.spent FROM ("
    "  SELECT k.key, min(o.placed_at) AS first, max(o.placed_at) AS last, count(o.id) AS count,"
    "         coalesce(sum(o.current_total), 0) AS spent"
    "  FROM unnest(CAST(:keys AS text[])) AS k(key) LEFT JOIN orders o"
    "    ON o.shop_id = :shop AND o.customer_key = k.key AND NOT o.test AND o.state = :open"
    "  GROUP BY k.key) AS f "
    "WHERE c.shop_id = :shop AND c.key = f.key RETURNING c.key, c.first_order_at"
)
_CUSTOMER_COLUMNS = (
    "shop_id", "key", "platform_id", "email", "first_name", "last_name", "accepts_marketing",
    "platform_updated_at",
)  # fmt: skip
_CUSTOMER_LIST = ", ".join(_CUSTOMER_COLUMNS)
_CUSTOMER_CHANGED = ", ".join(
    f"{name} = excluded.{name}" for name in _CUSTOMER_COLUMNS if name not in ("shop_id", "key")
)
# One row per key: the newest snapshot, the first given among equals (as one by one, where a
# later snapshot of the same time is not newer); then only over an older row.
_UPSERT_CUSTOMERS = text(
    f"INSERT INTO customers ({_CUSTOMER_LIST}, orders_count, total_spent, created_at) "
    f"SELECT DISTINCT ON (key) {_CUSTOMER_LIST}, 0, 0, now() FROM {STAGED_CUSTOMERS} "
    "ORDER BY key, platform_updated_at DESC, ordinal "
    f"ON CONFLICT (shop_id, key) DO UPDATE SET {_CUSTOMER_CHANGED} "
    "WHERE customers.platform_updated_at < excluded.platform_updated_at"
)
