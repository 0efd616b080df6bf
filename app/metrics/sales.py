"""What an order and a refund contribute to the sales figures (METRICS.md "Sales",
"Operations" and the lifetime-value sums)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from app.commerce.models import Order
from app.integrations.events import OrderSnapshot, OrderState
from app.metrics.figures import ZERO, SalesFigures, local_day

SalesContribution = dict[date, SalesFigures]


@dataclass(frozen=True)
class OrderFacts:
    """What of an order the sales figures depend on."""

    counted: bool
    placed_at: datetime
    gross: Decimal
    discounts: Decimal
    units: int
    has_customer: bool
    fulfilled_at: datetime | None
    costed_sales: Decimal
    cost: Decimal


class OrderRow(Protocol):
    """An order as the mirror holds it: the row, or just the columns the figures need."""

    @property
    def state(self) -> OrderState: ...
    @property
    def test(self) -> bool: ...
    @property
    def placed_at(self) -> datetime: ...
    @property
    def gross(self) -> Decimal: ...
    @property
    def discounts(self) -> Decimal: ...
    @property
    def units(self) -> int: ...
    @property
    def customer_key(self) -> str | None: ...
    @property
    def fulfilled_at(self) -> datetime | None: ...
    @property
    def costed_sales(self) -> Decimal: ...
    @property
    def cost(self) -> Decimal: ...


# The columns of `OrderRow`, for reading many orders without building whole rows.
FIGURE_COLUMNS = (
    Order.state,
    Order.test,
    Order.placed_at,
    Order.gross,
    Order.discounts,
    Order.units,
    Order.customer_key,
    Order.fulfilled_at,
    Order.costed_sales,
    Order.cost,
)


def counted(order: OrderRow) -> bool:
    return not order.test and order.state is OrderState.OPEN


def facts_of_row(order: OrderRow | None) -> OrderFacts | None:
    if order is None:
        return None
    return OrderFacts(
        counted=counted(order),
        placed_at=order.placed_at,
        gross=order.gross,
        discounts=order.discounts,
        units=order.units,
        has_customer=order.customer_key is not None,
        fulfilled_at=order.fulfilled_at,
        costed_sales=order.costed_sales,
        cost=order.cost,
    )


def facts_of_snapshot(order: OrderSnapshot) -> OrderFacts:
    return OrderFacts(
        counted=order.counted,
        placed_at=order.created_at,
        gross=order.gross,
        discounts=order.discounts,
        units=sum(line.quantity for line in order.lines),
        has_customer=order.customer is not None and order.customer.key is not None,
        fulfilled_at=order.fulfilled_at,
        costed_sales=order.costed_sales,
        cost=order.cost,
    )


def order_contribution(order: OrderFacts | None, timezone: str) -> SalesContribution:
    if order is None or not order.counted:
        return {}
    seconds = _seconds_to_fulfil(order)
    figures = SalesFigures(
        gross=order.gross,
        discounts=order.discounts,
        orders=1,
        units=order.units,
        customer_sales=order.gross - order.discounts if order.has_customer else ZERO,
        fulfilled=int(seconds is not None),
        fulfillment_seconds=seconds or 0,
        costed_sales=order.costed_sales,
        cost=order.cost,
    )
    return {local_day(order.placed_at, timezone): figures}


def _seconds_to_fulfil(order: OrderFacts) -> int | None:
    if order.fulfilled_at is None or order.fulfilled_at < order.placed_at:
        return None  # not fulfilled (a clock-skewed fulfilment is left out, not counted as 0)
    return int((order.fulfilled_at - order.placed_at).total_seconds())


def refund_contribution(
    refunded_at: datetime, amount: Decimal, has_customer: bool, timezone: str
) -> SalesContribution:
    figures = SalesFigures(returns=amount, customer_returns=amount if has_customer else ZERO)
    return {local_day(refunded_at, timezone): figures}
