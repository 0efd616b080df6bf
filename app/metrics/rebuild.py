"""Recomputing the rollups from the mirror: the repair tool and the consistency check. The
initiatives' outcome rollup is recomputed from its outcome rows (`marketing`); the message
figures have no rollup (they are counted from the send log itself).

Slots only spread write locks, so the check compares each key's figures summed over slots (a
customer's slot follows their key, which erasure rewrites); a rebuild writes them afresh."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.changes import facts_of_checkout
from app.commerce.models import Checkout, Order, RefundRow
from app.metrics import marketing, rollups
from app.metrics.checkouts import CheckoutFigures, checkout_contribution
from app.metrics.customers import (
    DayRows,
    PairRows,
    PreviousRows,
    customer_contribution,
    slotted,
)
from app.metrics.figures import (
    Additive,
    F,
    K,
    SalesFigures,
    accumulate,
    at_slot,
    slot_of,
    without_slots,
)
from app.metrics.models import (
    CheckoutDay,
    CustomerDay,
    CustomerDayTotals,
    CustomerPreviousTotals,
    OutcomeDay,
    SalesDay,
)
from app.metrics.outcomes import OutcomeRows
from app.metrics.sales import (
    FIGURE_COLUMNS,
    OrderRow,
    counted,
    facts_of_row,
    order_contribution,
    refund_contribution,
)
from app.shops.models import Shop

_BATCH = 5000


@dataclass
class Expected:
    """The rollup rows as the mirror says they should be (keys end with the slot)."""

    sales: dict[tuple[date, int], SalesFigures] = field(default_factory=dict)
    customer_pairs: PairRows = field(default_factory=dict)
    customer_days: DayRows = field(default_factory=dict)
    customer_previous: PreviousRows = field(default_factory=dict)
    checkouts: dict[tuple[date, int], CheckoutFigures] = field(default_factory=dict)
    outcomes: OutcomeRows = field(default_factory=dict)


async def expected(session: AsyncSession, shop_id: int) -> Expected:
    timezone = (await session.exec(select(Shop.timezone).where(Shop.id == shop_id))).one()
    result = Expected()
    # Streamed in batches of the needed columns: a million orders must not become a million
    # ORM objects. What refunds need of their order is kept as one small entry per order.
    counted_orders: dict[str, bool] = {}  # platform id → has a customer, for counted orders
    placed_by_customer: dict[str, list[datetime]] = defaultdict(list)
    statement = (
        select(Order.platform_id, *FIGURE_COLUMNS)  # type: ignore[call-overload]
        .where(Order.shop_id == shop_id)
        .execution_options(yield_per=_BATCH)
    )
    async for row in await session.stream(statement):
        order = cast(OrderRow, row)
        sold = order_contribution(facts_of_row(order), timezone)
        accumulate(result.sales, at_slot(sold, slot_of(row.platform_id)))
        if counted(order):
            counted_orders[row.platform_id] = order.customer_key is not None
            if order.customer_key is not None:
                placed_by_customer[order.customer_key].append(order.placed_at)
    refunds = (
        select(RefundRow).where(RefundRow.shop_id == shop_id).execution_options(yield_per=_BATCH)
    )
    async for refund in await session.stream_scalars(refunds):
        has_customer = counted_orders.get(refund.order_platform_id)
        if has_customer is not None:
            returns = refund_contribution(refund.refunded_at, refund.amount, has_customer, timezone)
            accumulate(result.sales, at_slot(returns, slot_of(refund.order_platform_id)))
    for key, placed in placed_by_customer.items():
        pairs, days, previous = slotted(key, customer_contribution(placed, timezone))
        accumulate(result.customer_pairs, pairs)
        accumulate(result.customer_days, days)
        accumulate(result.customer_previous, previous)
    statement = select(Checkout).where(Checkout.shop_id == shop_id)
    for checkout in (await session.exec(statement)).all():
        contribution = checkout_contribution(facts_of_checkout(checkout), timezone)
        accumulate(result.checkouts, at_slot(contribution, slot_of(checkout.token)))
    result.outcomes = await marketing.expected_outcomes(session, shop_id)
    return result


async def differences(session: AsyncSession, shop_id: int) -> list[str]:
    """What the rollups hold that the mirror does not say (empty when they agree)."""
    want = await expected(session, shop_id)
    problems = []
    families: list[tuple[str, Any, Mapping[Any, Additive]]] = [
        ("sales", SalesDay, want.sales),
        ("customers", CustomerDay, want.customer_pairs),
        ("customer days", CustomerDayTotals, want.customer_days),
        ("customer previous days", CustomerPreviousTotals, want.customer_previous),
        ("checkouts", CheckoutDay, want.checkouts),
        ("initiative outcomes", OutcomeDay, want.outcomes),
    ]
    for name, model, rows in families:
        wanted: dict[Any, Any] = without_slots(rows)
        have = await _held(session, model, shop_id)
        for key in sorted(set(wanted) | set(have), key=str):
            if wanted.get(key) != have.get(key):
                held, said = _describe(have.get(key)), _describe(wanted.get(key))
                problems.append(f"{name} {_key(key)}: rollups hold {held}; the mirror says {said}")
    return problems


def _describe(figures: Additive | None) -> str:
    if figures is None:
        return "nothing"
    return ", ".join(f"{name}={_plain(value)}" for name, value in figures.values().items() if value)


def _plain(value: object) -> str:
    return format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)


def _key(key: Any) -> str:
    if isinstance(key, tuple):  # customer rows: (day, previous day)
        return f"{key[0]} after {key[1]}"
    return str(key)


async def _held(session: AsyncSession, model: Any, shop_id: int) -> dict[Any, Additive]:
    """Every key's figures summed over slots, leaving out rows that deltas brought to zero."""
    everything = (date.min, date.max)
    held: dict[Any, Additive]
    if model is SalesDay:
        held = dict(await rollups.sales_by_day(session, shop_id, *everything))
    elif model is CheckoutDay:
        held = dict(await rollups.checkouts_by_day(session, shop_id, *everything))
    elif model is OutcomeDay:
        held = dict(await rollups.outcomes_by_day(session, shop_id, *everything))
    elif model is CustomerDayTotals:
        held = dict(await rollups.customer_day_totals(session, shop_id, *everything))
    elif model is CustomerPreviousTotals:
        held = dict(await rollups.customer_previous_totals(session, shop_id))
    else:
        held = dict(await rollups.customers_by_day(session, shop_id, *everything))
    return {key: figures for key, figures in held.items() if not figures.is_zero()}


async def rebuild(session: AsyncSession, shop_id: int) -> None:
    want = await expected(session, shop_id)
    models = (
        SalesDay, CustomerDay, CustomerDayTotals, CustomerPreviousTotals, CheckoutDay, OutcomeDay,
    )  # fmt: skip
    for model in models:
        await session.exec(delete(model).where(col(model.shop_id) == shop_id))
    await rollups.write_fresh(
        session,
        shop_id,
        _nonzero(want.sales),
        (
            _nonzero(want.customer_pairs),
            _nonzero(want.customer_days),
            _nonzero(want.customer_previous),
        ),
        _nonzero(want.checkouts),
        _nonzero(want.outcomes),
    )


def _nonzero(rows: Mapping[K, F]) -> dict[K, F]:
    return {key: figures for key, figures in rows.items() if not figures.is_zero()}
