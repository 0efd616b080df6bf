"""The rollups' deltas for orders written in bulk (`commerce.bulk`), as set-based SQL on
PostgreSQL: the same figures `sales.order_contribution`, `sales.refund_contribution` and
`customers.customer_contribution` give, computed by the database over the batch's orders.

Before the batch's orders are written, what they, their refunds and their customers' counted
orders contribute is gathered with sign −1; after, with sign +1; the sum is added to the
rollups in one `INSERT … SELECT … GROUP BY … ON CONFLICT add` per table (rows whose change
nets to nothing are left alone). Slots are computed here in Python (`figures.slot_of`, a CRC-32
PostgreSQL lacks) and staged with the ids they belong to."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

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
_SALES_NAMES = tuple(SalesFigures().values())
_TABLES = {
    ORDER_SLOTS: "(platform_id text, slot integer)",
    CUSTOMER_SLOTS: "(key text, slot integer)",
    SALES_CHANGES: "(day date, slot integer, "
    + ", ".join(f"{name} numeric" for name in _SALES_NAMES)
    + ")",
    CUSTOMER_ORDERS: "(sign integer, day date, slot integer, prev date, rn bigint, repeat boolean)",
}


async def replacing_orders(
    session: AsyncSession, shop_id: int, platform_ids: list[str], customer_keys: set[str]
) -> None:
    """Stage the batch's slots and take out what its orders and customers contribute now."""
    await rollups.lock_customers(session, shop_id, customer_keys)
    connection = await driver_connection(session)
    for table, definition in _TABLES.items():
        await ensure_staging_table(session, table, definition)
    order_slots = [(platform_id, slot_of(platform_id)) for platform_id in platform_ids]
    await connection.copy_records_to_table(ORDER_SLOTS, records=order_slots)
    customer_slots = [(key, slot_of(key)) for key in sorted(customer_keys)]
    await connection.copy_records_to_table(CUSTOMER_SLOTS, records=customer_slots)
    await _gather(session, shop_id, -1)


async def orders_replaced(session: AsyncSession, shop_id: int) -> list[tuple[str, set[date]]]:
    """Add what the batch contributes now, and write the net change: (family, days moved)."""
    await _gather(session, shop_id, +1)
    params = {"shop": shop_id}
    moved = []
    for family, statement in (("sales", _ADD_SALES), ("customers", _ADD_CUSTOMER_DAYS)):
        days = {row[0] for row in (await session.exec(statement, params=params)).all()}  # type: ignore[call-overload]
        if days:
            moved.append((family, days))
    await session.exec(_ADD_CUSTOMER_PAIRS, params=_CUSTOMER_PARAMS | params)  # type: ignore[call-overload]
    await session.exec(_ADD_CUSTOMER_PREVIOUS, params=params)  # type: ignore[call-overload]
    return moved


async def _gather(session: AsyncSession, shop_id: int, sign: int) -> None:
    timezone = (await session.exec(select(Shop.timezone).where(Shop.id == shop_id))).one()
    params = {"shop": shop_id, "sign": sign, "tz": timezone, "open": OrderState.OPEN.value}
    await session.exec(_GATHER_SALES, params=params)  # type: ignore[call-overload]
    customer = params | {"window": REPEAT_WINDOW_DAYS}
    await session.exec(_GATHER_CUSTOMERS, params=customer)  # type: ignore[call-overload]


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
# Each customer's counted orders by shop-local day, in order: the previous order's day, the
# order's rank (first, second…) and, for the first, whether the second came within the window.
_GATHER_CUSTOMERS = text(
    f"INSERT INTO {CUSTOMER_ORDERS} (sign, day, slot, prev, rn, repeat) "
    f"SELECT {_SIGN}, day, slot, prev, rn, rn = 1 AND next IS NOT NULL AND next - day <= :window "
    "FROM (SELECT d.day, d.slot, row_number() OVER w AS rn, lag(d.day) OVER w AS prev, "
    "             lead(d.day) OVER w AS next "
    f"      FROM (SELECT k.key, k.slot, {_LOCAL.format(column='o.placed_at')} AS day "
    f"            FROM {CUSTOMER_SLOTS} k JOIN orders o "
    f"            ON o.shop_id = :shop AND o.customer_key = k.key WHERE {_COUNTED}) AS d "
    "      WINDOW w AS (PARTITION BY d.key ORDER BY d.day)) AS n"
)


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
