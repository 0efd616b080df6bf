"""A metric over a range of shop-local dates: its value and its series by day, week or month."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import NotFound, Unprocessable
from app.metrics import rollups
from app.metrics.catalogue import BY_KEY, Metric, Unit
from app.metrics.figures import SalesFigures

MAX_RANGE_DAYS = 3 * 366


class Granularity(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class MetricValue:
    metric: Metric
    start: date
    end: date
    value: Decimal | None
    series: list[tuple[date, Decimal | None]]


def metric_named(key: str) -> Metric:
    metric = BY_KEY.get(key)
    if metric is None:
        raise NotFound(f"no metric {key!r}", details={"valid": sorted(BY_KEY)})
    return metric


async def evaluate(
    session: AsyncSession, shop_id: int, key: str, start: date, end: date, granularity: Granularity
) -> MetricValue:
    metric = metric_named(key)
    if start > end:
        raise Unprocessable("from is after to: give a range whose first day comes first")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise Unprocessable(f"a range may span at most {MAX_RANGE_DAYS} days")
    days = await rollups.daily(session, shop_id, start, end)
    # A rate over a range is the ratio of the range's sums, never a mean of daily rates.
    value = present(metric.formula(_total(days.values())), metric.unit)
    periods: dict[date, list[SalesFigures]] = {}
    day = start
    while day <= end:
        periods.setdefault(period_start(day, granularity), []).append(days.get(day, SalesFigures()))
        day += timedelta(days=1)
    series = [
        (first, present(metric.formula(_total(figures)), metric.unit))
        for first, figures in periods.items()
    ]
    return MetricValue(metric, start, end, value, series)


CENT = Decimal("0.01")


def present(value: Decimal | None, unit: Unit) -> Decimal | None:
    """The exact value without storage noise: money keeps at least cents, whole counts are
    whole (rounding for display is the client's, in the shop's currency)."""
    if value is None:
        return None
    if unit is Unit.MONEY and value.quantize(CENT) == value:
        return value.quantize(CENT)
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def period_start(day: date, granularity: Granularity) -> date:
    if granularity is Granularity.WEEK:
        return day - timedelta(days=day.weekday())  # ISO weeks start on Monday
    if granularity is Granularity.MONTH:
        return day.replace(day=1)
    return day


def _total(figures: Iterable[SalesFigures]) -> SalesFigures:
    return sum(figures, SalesFigures())
