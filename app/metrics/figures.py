"""Sales figures and what each order and refund contributes to them (pure functions)."""

from __future__ import annotations

import zlib
from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from app.metrics.models import SLOTS

ZERO = Decimal("0")


@dataclass(frozen=True)
class SalesFigures:
    gross: Decimal = ZERO
    discounts: Decimal = ZERO
    returns: Decimal = ZERO
    orders: int = 0
    units: int = 0

    def __add__(self, other: SalesFigures) -> SalesFigures:
        return SalesFigures(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def __neg__(self) -> SalesFigures:
        return SalesFigures(*(-getattr(self, f.name) for f in fields(self)))

    def __sub__(self, other: SalesFigures) -> SalesFigures:
        return self + -other

    def is_zero(self) -> bool:
        return all(not getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True)
class OrderFacts:
    """What of an order the sales figures depend on."""

    counted: bool
    placed_at: datetime
    gross: Decimal
    discounts: Decimal
    units: int


Contribution = dict[date, SalesFigures]


def local_day(moment: datetime, timezone: str) -> date:
    """The shop-local calendar date of a moment (DST days are simply 23 or 25 hours long)."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def order_contribution(order: OrderFacts | None, timezone: str) -> Contribution:
    if order is None or not order.counted:
        return {}
    figures = SalesFigures(
        gross=order.gross, discounts=order.discounts, orders=1, units=order.units
    )
    return {local_day(order.placed_at, timezone): figures}


def refund_contribution(refunded_at: datetime, amount: Decimal, timezone: str) -> Contribution:
    return {local_day(refunded_at, timezone): SalesFigures(returns=amount)}


def combine(*parts: Contribution) -> Contribution:
    """The per-day sum of contributions, leaving out days that come to nothing."""
    totals: dict[date, SalesFigures] = defaultdict(SalesFigures)
    for part in parts:
        for day, figures in part.items():
            totals[day] = totals[day] + figures
    return {day: figures for day, figures in totals.items() if not figures.is_zero()}


def difference(after: Contribution, before: Contribution) -> Contribution:
    """after − before, per day, leaving out days that do not change."""
    return combine(after, {day: -figures for day, figures in before.items()})


def slot_of(order_platform_id: str) -> int:
    """Which of a day's rows an order's figures go to (stable across processes)."""
    return zlib.crc32(order_platform_id.encode()) % SLOTS
