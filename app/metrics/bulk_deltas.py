"""The rollups' deltas for orders written in bulk (`commerce.bulk`), as set-based SQL on
PostgreSQL: the same figures `sales.order_contribution`, `sales.refund_contribution` and
`customers.customer_contribution` give, computed by the database over the batch's orders.

Before the batch's orders are written, what they and their refunds contribute is gathered with
sign −1, and the counted states they replace are kept; after, what they contribute now with
sign +1, and their customers' figures as they were (their orders now, the batch's replaced by
the kept states) with −1 and as they are with +1. The sum is added to the rollups in one
`INSERT … SELECT … GROUP BY … ON CONFLICT add` per table (rows whose change nets to nothing are
left alone). Locks come in the one-by-one path's order: orders, sales rows, customers, their
rows. Slots are computed here in Python (`figures.slot_of`, a CRC-32
PostgreSQL lacks) and staged with the ids they belong to."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.staging import driver_connection, ensure_staging_table
from app.integrations.events import OrderState
from app.metrics import rollups
from app.metrics.customers import (
    FIRST,
    HORIZON_DAYS,
    LONG_AGO,
    REPEAT_WINDOW_DAYS,
    CustomerDayFigures,
    CustomerFigures,
    PreviousDayFigures,
)
from app.metrics.figures import SalesFigures, slot_of
from app.shops.models import Shop

ORDER_SLOTS = "rollup_order_slots"
CUSTOMER_SLOTS = "rollup_customer_slots"
SALES_CHANGES = "rollup_sales_changes"
CUSTOMER_ORDERS = "rollup_customer_orders"
HELD_ORDERS = "rollup_held_orders"
_SALES_NAMES = tuple(SalesFigures().values())
_TABLES = {
    ORDER_SLOTS: "(platform_id text, slot integer)",
    CUSTOMER_SLOTS: "(key text, slot integer)",
    SALES_CHANGES: "(day date, slot integer, "
    + ", ".join(f"{name} numeric" for name in _SALES_NAMES)
    + ")",
    CUSTOMER_ORDERS: "(sign integer, day date, slot integer, prev date, rn bigint, repeat boolean)",
    HELD_ORDERS: "(key text, placed_at timestamptz)",
}


async def replacing_orders(
    session: AsyncSession, shop_id: int, platform_ids: list[str], customer_keys: set[str]
) -> None:
    """Stage the batch's slots, take out what its orders and their refunds contribute now, and
    keep the counted states they replace (the customers' figures need them)."""
    connection = await driver_connection(session)
    for table, definition in _TABLES.items():
        await ensure_staging_table(session, table, definition)
    order_slots = [(platform_id, slot_of(platform_id)) for platform_id in platform_ids]
    await connection.copy_records_to_table(ORDER_SLOTS, records=order_slots)
    customer_slots = [(key, slot_of(key)) for key in sorted(customer_keys)]
    await connection.copy_records_to_table(CUSTOMER_SLOTS, records=customer_slots)
    params = await _params(session, shop_id, -1)
    await session.exec(_GATHER_SALES, params=params)  # type: ignore[call-overload]
    await session.exec(_KEEP_HELD, params=params)  # type: ignore[call-overload]


async def orders_replaced(session: AsyncSession, shop_id: int) -> list[tuple[str, set[date]]]:
    """Write the net change, in the one-by-one path's lock order (sales rows, then customers'
    locks, then their rows: no deadlock with it); (family, days moved)."""
    params = await _params(session, shop_id, +1)
    await session.exec(_GATHER_SALES, params=params)  # type: ignore[call-overload]
    moved = []
    days = await _days(session, _ADD_SALES, shop_id)
    if days:
        moved.append(("sales", days))
    keys = (await session.exec(text(f"SELECT key FROM {CUSTOMER_SLOTS}"))).all()  # type: ignore[call-overload]
    await rollups.lock_customers(session, shop_id, (str(row[0]) for row in keys))
    await session.exec(_GATHER_CUSTOMERS_BEFORE, params=params | {"sign": -1})  # type: ignore[call-overload]
    await session.exec(_GATHER_CUSTOMERS_NOW, params=params)  # type: ignore[call-overload]
    days = await _days(session, _ADD_CUSTOMER_DAYS, shop_id)
    if days:
        moved.append(("customers", days))
    await session.exec(_ADD_CUSTOMER_PAIRS, params=_CUSTOMER_PARAMS | {"shop": shop_id})  # type: ignore[call-overload]
    await session.exec(_ADD_CUSTOMER_PREVIOUS, params={"shop": shop_id})  # type: ignore[call-overload]
    return moved


async def _params(session: AsyncSession, shop_id: int, sign: int) -> dict[str, object]:
    timezone = (await session.exec(select(Shop.timezone).where(Shop.id == shop_id))).one()
    return {
        "shop": shop_id, "sign": sign, "tz": timezone, "open": OrderState.OPEN.value,
        "window": REPEAT_WINDOW_DAYS,
    }  # fmt: skip


async def _days(session: AsyncSession, statement: Any, shop_id: int) -> set[date]:
    rows = (await session.exec(statement, params={"shop": shop_id})).all()
    return {row[0] for row in rows}


def _sums(names: Iterable[str], of: dict[str, str]) -> tuple[str, str, str]:
    """Column list, their sums, and a condition true when any sum is not zero."""
    names = list(names)
    return (
        ", ".join(names),
        ", ".join(f"sum({of[name]})" for name in names),
        " OR ".join(f"sum({of[name]}) <> 0" for name in names),
    )


_LOCAL = "(({column}) AT TIME ZONE CAST(:tz AS text))::date"
_COUNTED = "NOT o.test AND o.state = :open"
_FULFILLED = "o.fulfilled_at >= o.placed_at"
_SIGN = "CAST(:sign AS integer)"
_ORDER_FIGURES = {
    "gross": f"{_SIGN} * o.gross",
    "discounts": f"{_SIGN} * o.discounts",
    "returns": "0",
    "orders": _SIGN,
    "units": f"{_SIGN} * o.units",
    "customer_sales": f"CASE WHEN o.customer_key IS NOT NULL "
    f"THEN {_SIGN} * (o.gross - o.discounts) ELSE 0 END",
    "customer_returns": "0",
    "fulfilled": f"CASE WHEN {_FULFILLED} THEN {_SIGN} ELSE 0 END",
    "fulfillment_seconds": f"CASE WHEN {_FULFILLED} "
    f"THEN {_SIGN} * floor(extract(epoch FROM o.fulfilled_at - o.placed_at)) ELSE 0 END",
    "costed_sales": f"{_SIGN} * o.costed_sales",
    "cost": f"{_SIGN} * o.cost",
}
_REFUND_FIGURES = dict.fromkeys(_SALES_NAMES, "0") | {
    "returns": f"{_SIGN} * r.amount",
    "customer_returns": f"CASE WHEN o.customer_key IS NOT NULL THEN {_SIGN} * r.amount ELSE 0 END",
}
_JOIN_ORDERS = (
    f"{ORDER_SLOTS} s JOIN orders o ON o.shop_id = :shop AND o.platform_id = s.platform_id"
)
_GATHER_SALES = text(
    f"INSERT INTO {SALES_CHANGES} (day, slot, {', '.join(_SALES_NAMES)}) "
    f"SELECT {_LOCAL.format(column='o.placed_at')}, s.slot, "
    + ", ".join(_ORDER_FIGURES[name] for name in _SALES_NAMES)
    + f" FROM {_JOIN_ORDERS} WHERE {_COUNTED} UNION ALL "
    f"SELECT {_LOCAL.format(column='r.refunded_at')}, s.slot, "
    + ", ".join(_REFUND_FIGURES[name] for name in _SALES_NAMES)
    + f" FROM {_JOIN_ORDERS} JOIN refunds r "
    f"ON r.shop_id = :shop AND r.order_platform_id = s.platform_id WHERE {_COUNTED}"
)
# The counted states the batch replaces, of known customers (kept before they are written).
_KEEP_HELD = text(
    f"INSERT INTO {HELD_ORDERS} (key, placed_at) SELECT o.customer_key, o.placed_at "
    f"FROM {_JOIN_ORDERS} WHERE {_COUNTED} AND o.customer_key IS NOT NULL"
)
_CUSTOMERS_NOW = (
    f"SELECT o.customer_key AS key, o.placed_at FROM {CUSTOMER_SLOTS} k JOIN orders o "
    f"ON o.shop_id = :shop AND o.customer_key = k.key WHERE {_COUNTED}"
)
# As they were: their orders now, the batch's left out and the states it replaced put back.
_CUSTOMERS_BEFORE = (
    f"{_CUSTOMERS_NOW} AND NOT EXISTS "
    f"(SELECT 1 FROM {ORDER_SLOTS} s WHERE s.platform_id = o.platform_id) "
    f"UNION ALL SELECT key, placed_at FROM {HELD_ORDERS}"
)
# Each customer's counted orders by shop-local day, in order: the previous order's day, the
# order's rank (first, second…) and, for the first, whether the second came within the window.
_GATHER_CUSTOMERS = (
    f"INSERT INTO {CUSTOMER_ORDERS} (sign, day, slot, prev, rn, repeat) "
    f"SELECT {_SIGN}, day, slot, prev, rn, rn = 1 AND next IS NOT NULL AND next - day <= :window "
    "FROM (SELECT d.day, k.slot, row_number() OVER w AS rn, lag(d.day) OVER w AS prev, "
    "             lead(d.day) OVER w AS next "
    f"      FROM (SELECT key, {_LOCAL.format(column='placed_at')} AS day FROM ({{source}}) AS c) d "
    f"      JOIN {CUSTOMER_SLOTS} k ON k.key = d.key "
    "      WINDOW w AS (PARTITION BY d.key ORDER BY d.day)) AS n"
)
_GATHER_CUSTOMERS_NOW = text(_GATHER_CUSTOMERS.format(source=_CUSTOMERS_NOW))
_GATHER_CUSTOMERS_BEFORE = text(_GATHER_CUSTOMERS.format(source=_CUSTOMERS_BEFORE))


def _add_statement(
    table: str, source: str, keys: dict[str, str], figures: dict[str, str], returning: str = ""
) -> str:
    """`INSERT INTO table … SELECT keys, sums FROM source GROUP BY keys ON CONFLICT add`, in key
    order (row locks taken in the order the one-by-one path takes them: no deadlock)."""
    names, sums, nonzero = _sums(figures, figures)
    key_names = ", ".join(keys)
    selected = ", ".join(f"{expression} AS {name}" for name, expression in keys.items())
    positions = ", ".join(str(i + 2) for i in range(len(keys)))  # after the shop's id
    return (
        f"INSERT INTO {table} (shop_id, {key_names}, {names}) "
        f"SELECT :shop, {selected}, {sums} FROM {source} GROUP BY {positions} "
        f"HAVING {nonzero} ORDER BY {positions} "
        f"ON CONFLICT (shop_id, {key_names}) DO UPDATE SET "
        + ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in figures)
        + (f" RETURNING {returning}" if returning else "")
    )


_ADD_SALES = text(
    _add_statement(
        "sales_rollups", SALES_CHANGES, {"day": "day", "slot": "slot"},
        {name: name for name in _SALES_NAMES}, returning="day",
    )
)  # fmt: skip
_SIGNED = "CASE WHEN {condition} THEN sign ELSE 0 END"
_CUSTOMER_PAIR_FIGURES = dict(
    zip(
        CustomerFigures().values(),
        ("sign", _SIGNED.format(condition="rn = 1"), _SIGNED.format(condition="rn = 2"),
         _SIGNED.format(condition="repeat")),
        strict=True,
    )
)  # fmt: skip
_ADD_CUSTOMER_PAIRS = text(
    _add_statement(
        "customer_rollups",
        CUSTOMER_ORDERS,
        {
            "day": "day",
            "previous": "CASE WHEN prev IS NULL THEN CAST(:first AS date) "
            "WHEN day - prev <= :horizon THEN prev ELSE CAST(:long_ago AS date) END",
            "slot": "CASE WHEN prev IS NULL THEN slot ELSE 0 END",
        },
        _CUSTOMER_PAIR_FIGURES,
    )
)
_CUSTOMER_PARAMS = {"first": FIRST, "long_ago": LONG_AGO, "horizon": HORIZON_DAYS}
_CUSTOMER_DAY_FIGURES = dict(
    zip(
        CustomerDayFigures().values(),
        ("sign", _SIGNED.format(condition="rn = 1"), _SIGNED.format(condition="repeat"),
         _SIGNED.format(condition="prev = day"),
         _SIGNED.format(condition="prev = day AND rn = 2")),
        strict=True,
    )
)  # fmt: skip
_ADD_CUSTOMER_DAYS = text(
    _add_statement(
        "customer_day_rollups", CUSTOMER_ORDERS, {"day": "day", "slot": "slot"},
        _CUSTOMER_DAY_FIGURES, returning="day",
    )
)  # fmt: skip
_PREVIOUS_FIGURES = dict(
    zip(
        PreviousDayFigures().values(),
        ("sign", _SIGNED.format(condition="rn = 2")),
        strict=True,
    )
)
_ADD_CUSTOMER_PREVIOUS = text(
    _add_statement(
        "customer_previous_rollups",
        f"{CUSTOMER_ORDERS} WHERE prev IS NOT NULL",
        {"previous": "prev", "slot": "0"},
        _PREVIOUS_FIGURES,
    )
)
