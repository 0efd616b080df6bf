"""A metric over a range of shop-local dates: its value and its series by day, week or month."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import NotFound, Unprocessable
from app.metrics import sources
from app.metrics.catalogue import BY_KEY, Metric, Unit
from app.metrics.customers import HORIZON_DAYS
from app.metrics.models import CheckoutDay, SalesDay
from app.metrics.periods import Granularity, Span
from app.metrics.sources import Reading, Source

Wanted = tuple[str, date, date]  # a metric's key, and the range's first and last day

MAX_RANGE_DAYS = HORIZON_DAYS  # customer rollups file previous days this far back
# The days metrics may be asked about: a store's history, and its plans, lie well inside them
# (and week or month periods of them stay within the calendar's last day).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


@dataclass(frozen=True)
class MetricValue:
    metric: Metric[Any]
    start: date
    end: date
    value: Decimal | None
    series: list[tuple[date, Decimal | None]]


def metric_named(key: str) -> Metric[Any]:
    metric = BY_KEY.get(key)
    if metric is None:
        raise NotFound(f"no metric {key!r}", details={"valid": sorted(BY_KEY)})
    return metric


async def evaluate(
    session: AsyncSession, shop_id: int, key: str, start: date, end: date, granularity: Granularity
) -> MetricValue:
    metric = metric_named(key)
    check_range(start, end)
    reading = await metric.source(session, shop_id, start, end, granularity)
    return _valued(metric, start, end, reading)


async def evaluate_by_day(
    session: AsyncSession, shop_id: int, wanted: Iterable[Wanted], days_only: Iterable[Wanted] = ()
) -> dict[Wanted, MetricValue]:
    """Each wanted metric over its range with its daily series — what `evaluate` gives by day —
    reading each family's rollups once for all the ranges its metrics need (a scorecard's key
    results read together). `days_only`: ranges whose daily series alone is needed (their
    value may be left out: None). The first unknown metric or invalid range is refused as
    `evaluate` would refuse it."""
    valued = dict.fromkeys(wanted)
    asked = [*valued, *(shape for shape in dict.fromkeys(days_only) if shape not in valued)]
    spans: dict[Source[Any], dict[Span, None]] = {}
    for key, start, end in asked:
        metric = metric_named(key)
        check_range(start, end)
        spans.setdefault(metric.source, {})[(start, end)] = None
    summed = {(BY_KEY[key].source, start, end) for key, start, end in valued}
    readings = {
        source: await source.by_day(
            session, shop_id, list(ranges), {s for s in ranges if (source, *s) not in summed}
        )
        for source, ranges in spans.items()
    }
    return {
        (key, start, end): _valued(
            BY_KEY[key], start, end, readings[BY_KEY[key].source][(start, end)]
        )
        for key, start, end in asked
    }


def _valued(metric: Metric[Any], start: date, end: date, reading: Reading[Any]) -> MetricValue:
    # A rate over a range is the ratio of the range's sums, never a mean of daily rates.
    whole = None if reading.whole is None else metric.formula(reading.whole)
    value = present(whole, metric.unit)
    series = [
        (first, present(metric.formula(figures), metric.unit)) for first, figures in reading.series
    ]
    return MetricValue(metric, start, end, value, series)


async def history_begins(
    session: AsyncSession, shop_id: int, key: str | None = None
) -> date | None:
    """The first day the shop's history says something about (None before it does): its first
    day with sales — before it, a total of zero is no history, not a quiet period. A checkout
    metric's history begins with the first completed checkout (`counts_checkouts`)."""
    if key is not None and counts_checkouts(key):
        statement = select(func.min(CheckoutDay.day)).where(
            CheckoutDay.shop_id == shop_id, col(CheckoutDay.completed) > 0
        )
    else:
        statement = select(func.min(SalesDay.day)).where(SalesDay.shop_id == shop_id)
    first: date | None = (await session.exec(statement)).one()
    return first


def counts_checkouts(key: str) -> bool:
    """A metric of checkouts, whose history begins with the first completed checkout. A
    store's API lists only the abandoned checkouts of its past (Shopify's list: abandoned and
    recovered); the ones completed straight away are known from the orders that name their
    checkout (Shopify's checkout token; a WooCommerce storefront order is its own checkout). A
    store whose orders name no checkout has no completed one before its first live checkout —
    and before it, every checkout would read as abandoned."""
    return metric_named(key).source is sources.checkouts


def check_range(start: date, end: date) -> None:
    if start > end:
        raise Unprocessable("from is after to: give a range whose first day comes first")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise Unprocessable(f"a range may span at most {MAX_RANGE_DAYS} days")


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
