"""The metrics, each declared once: name, unit, which way is better, the definition merchants
read (from METRICS.md), and the formula over a range's summed figures. Only the sales family
is live yet; the customer, checkout and survey families follow with their rollups."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from app.metrics.figures import SalesFigures


class Unit(StrEnum):
    MONEY = "money"
    PERCENT = "percent"
    COUNT = "count"
    SCORE = "score"
    DURATION = "duration"


class Better(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


Formula = Callable[[SalesFigures], Decimal | None]


@dataclass(frozen=True)
class Metric:
    key: str
    name: str
    unit: Unit
    better: Better
    definition: str
    formula: Formula


def _ratio(numerator: Decimal, denominator: Decimal | int) -> Decimal | None:
    return None if not denominator else Decimal(numerator) / Decimal(denominator)


METRICS: tuple[Metric, ...] = (
    Metric(
        "net_sales",
        "Net sales",
        Unit.MONEY,
        Better.HIGHER,
        "Gross sales − discounts − returns over the range.",
        lambda f: f.gross - f.discounts - f.returns,
    ),
    Metric(
        "gross_sales",
        "Gross sales",
        Unit.MONEY,
        Better.HIGHER,
        "Σ line-item price × quantity of counted orders placed in the range (before "
        "discounts; no shipping, no tax).",
        lambda f: f.gross,
    ),
    Metric(
        "discounts",
        "Discounts",
        Unit.MONEY,
        Better.LOWER,
        "Σ of order- and line-level discounts of counted orders placed in the range.",
        lambda f: f.discounts,
    ),
    Metric(
        "returns",
        "Returns",
        Unit.MONEY,
        Better.LOWER,
        "Refunded merchandise (before tax and shipping) of counted orders, counted on each "
        "refund's own date.",
        lambda f: f.returns,
    ),
    Metric(
        "orders",
        "Orders",
        Unit.COUNT,
        Better.HIGHER,
        "Counted orders placed in the range (no test or cancelled orders).",
        lambda f: Decimal(f.orders),
    ),
    Metric(
        "aov",
        "Average order value",
        Unit.MONEY,
        Better.HIGHER,
        "(Gross sales − discounts) ÷ orders, for orders placed in the range; returns, "
        "shipping and tax excluded. None without orders.",
        lambda f: _ratio(f.gross - f.discounts, f.orders),
    ),
    Metric(
        "units_per_order",
        "Units per order",
        Unit.COUNT,
        Better.HIGHER,
        "Σ line-item quantities ÷ orders.",
        lambda f: _ratio(Decimal(f.units), f.orders),
    ),
    Metric(
        "discount_rate",
        "Discount rate",
        Unit.PERCENT,
        Better.LOWER,
        "Discounts ÷ gross sales.",
        lambda f: _ratio(f.discounts, f.gross),
    ),
    Metric(
        "refund_rate",
        "Refund rate",
        Unit.PERCENT,
        Better.LOWER,
        "Returns ÷ gross sales over the range.",
        lambda f: _ratio(f.returns, f.gross),
    ),
)

BY_KEY = {metric.key: metric for metric in METRICS}
