"""Where a metric key result starts, from whatever history the shop has: the equally long
period before its window when the shop's history covers all of it; otherwise complete weeks
(Monday to Sunday) scaled to the window's length — the last ones for a template (today's
level), the first one for a start left empty (the store as it began)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from app.metrics.catalogue import Metric, Unit
from app.metrics.service import MAX_RANGE_DAYS, history_begins, metric_named
from app.okr.evaluation import Span, before_span, grows, metric_value

RECENT_WEEKS = 4  # a template's level: the last four complete weeks (a month, whole weeks)


class StartBasis(StrEnum):
    PERIOD_BEFORE = "period_before"  # the equally long period just before
    RECENT_WEEKS = "recent_weeks"  # the last complete weeks, scaled to the length
    FIRST_WEEK = "first_week"  # the first complete week of history, scaled to the length


@dataclass(frozen=True)
class Baseline:
    value: Decimal
    basis: StartBasis
    read_from: Span  # the days the value was read from


def days_of(span: Span) -> int:
    return (span[1] - span[0]).days + 1


def complete_weeks(begins: date, today: date, count: int) -> Span | None:
    """The last `count` (or fewer) whole Monday–Sunday weeks before today, none starting before
    the history `begins`; None when not one week is complete."""
    last_sunday = today - timedelta(days=today.isoweekday())
    first_monday = begins + timedelta(days=-begins.weekday() % 7)
    weeks = min(count, days_of((first_monday, last_sunday)) // 7)
    if weeks < 1:
        return None
    return last_sunday - timedelta(days=7 * weeks - 1), last_sunday


def first_complete_week(begins: date, today: date) -> Span | None:
    """The history's first whole Monday–Sunday week, if it ended before today."""
    monday = begins + timedelta(days=-begins.weekday() % 7)
    sunday = monday + timedelta(days=6)
    return (monday, sunday) if sunday < today else None


async def period_before(
    session: AsyncSession, shop_id: int, key: str, window: Span, begins: date | None
) -> Baseline | None:
    """The metric over the equally long period before `window`, if the history covers it all
    (a total over a period the store only partly traded in would start far too low)."""
    if begins is None or days_of(window) > MAX_RANGE_DAYS:
        return None
    try:
        before = before_span(*window)
    except OverflowError:
        return None
    if before[0] < begins:
        return None
    value, _ = await metric_value(session, shop_id, key, before)
    return None if value is None else Baseline(value, StartBasis.PERIOD_BEFORE, before)


async def from_weeks(
    session: AsyncSession, shop_id: int, key: str, weeks: Span, length: int, basis: StartBasis
) -> Baseline | None:
    """The metric over `weeks`, a total scaled to `length` days (a rate is a rate)."""
    metric = metric_named(key)
    value, _ = await metric_value(session, shop_id, key, weeks)
    if value is None:
        return None
    if grows(metric):
        value = value * length / days_of(weeks)
    return Baseline(rounded(value, metric), basis, weeks)


async def start_for(
    session: AsyncSession, shop_id: int, key: str, window: Span, today: date
) -> Baseline | None:
    """A key result's start left empty: the period before, else the first complete week."""
    begins = await history_begins(session, shop_id, key)
    found = await period_before(session, shop_id, key, window, begins)
    if found is not None or begins is None:
        return found
    week = first_complete_week(begins, today)
    if week is None:
        return None
    return await from_weeks(session, shop_id, key, week, days_of(window), StartBasis.FIRST_WEEK)


def rounded(value: Decimal, metric: Metric[object]) -> Decimal:
    """As a merchant would write it: counts whole, small numbers (rates) to four places."""
    if metric.unit is Unit.COUNT:
        return value.quantize(Decimal(1))
    return value.quantize(Decimal("0.0001")) if abs(value) < 1 else value.quantize(Decimal("0.01"))
