"""Where each family of metrics reads its figures: the summed rollups of a range and of each
of its periods. Every read touches the range's rollup rows once; their number grows with days,
never with orders.

A scorecard asks for many ranges at once (each key result's dates, last year's same period):
`by_day` answers them all with one read of the rollups per stretch of days they cover, sliced
in Python into the same readings as one call per range. A range whose days alone are wanted
(last year's shape) is not summed as a whole: for distinct customers that would be the
costliest read of all."""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Generic, Protocol, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from app.metrics import marketing, rollups, surveys
from app.metrics.checkouts import CheckoutFigures
from app.metrics.customers import CustomerCounts
from app.metrics.figures import ZERO, Additive, SalesFigures, add_to
from app.metrics.marketing import MessageFigures
from app.metrics.outcomes import OutcomeFigures
from app.metrics.periods import Granularity, Span, period_start, periods
from app.metrics.surveys import SurveyFigures

F = TypeVar("F", bound=Additive)
T = TypeVar("T")
# Ranges closer than this are read as one stretch: a few more rows beat another round trip.
JOIN_GAP_DAYS = 31


@dataclass(frozen=True)
class Reading(Generic[T]):
    whole: T | None  # the figures of the whole range (None: only its days were asked for)
    series: list[tuple[date, T]]  # (period start, figures) of each period, in order


class Source(Protocol[T]):
    async def __call__(
        self, session: AsyncSession, shop_id: int, start: date, end: date, granularity: Granularity
    ) -> Reading[T]: ...

    async def by_day(
        self, session: AsyncSession, shop_id: int, spans: Sequence[Span], days_only: Set[Span]
    ) -> dict[Span, Reading[T]]:
        """Each span's reading by day — what a call per span gives — reading the rollups once
        per stretch of days the spans cover; the spans in `days_only` without their whole."""
        ...


def stretches(spans: Sequence[Span]) -> list[Span]:
    """The spans' days as few ranges: overlapping or nearly touching spans join."""
    joined: list[Span] = []
    for first, last in sorted(spans):
        if joined and first <= joined[-1][1] + timedelta(days=JOIN_GAP_DAYS):
            joined[-1] = (joined[-1][0], max(joined[-1][1], last))
        else:
            joined.append((first, last))
    return joined


def within(days: Mapping[date, T], first: date, last: date) -> dict[date, T]:
    return {day: figures for day, figures in days.items() if first <= day <= last}


@dataclass(frozen=True)
class _Daily(Generic[F]):
    """Figures kept per day: a range is the sum of its days."""

    read: rollups.DailyReader[F]
    empty: type[F]

    async def __call__(
        self, session: AsyncSession, shop_id: int, start: date, end: date, granularity: Granularity
    ) -> Reading[F]:
        days = await self.read(session, shop_id, start, end)
        return self._reading(days, start, end, granularity)

    async def by_day(
        self, session: AsyncSession, shop_id: int, spans: Sequence[Span], days_only: Set[Span]
    ) -> dict[Span, Reading[F]]:
        days: dict[date, F] = {}
        for first, last in stretches(spans):
            days.update(await self.read(session, shop_id, first, last))
        return {
            span: self._reading(within(days, *span), *span, Granularity.DAY, span not in days_only)
            for span in spans
        }

    def _reading(
        self, days: Mapping[date, F], start: date, end: date, granularity: Granularity,
        summed: bool = True,
    ) -> Reading[F]:  # fmt: skip
        by_period: dict[date, F] = {}
        for day, figures in days.items():
            key = period_start(day, granularity)
            add_to(by_period, key, figures)
        whole = sum(by_period.values(), self.empty()) if summed else None
        return Reading(whole, aligned(by_period, start, end, granularity, self.empty()))


def aligned(
    by_period: Mapping[date, T], start: date, end: date, granularity: Granularity, empty: T
) -> list[tuple[date, T]]:
    """Every period of the range in order, empty ones included."""
    starts = (period_start(first, granularity) for first, _ in periods(start, end, granularity))
    return [(key, by_period.get(key, empty)) for key in starts]


sales: Source[SalesFigures] = _Daily(rollups.sales_by_day, SalesFigures)
checkouts: Source[CheckoutFigures] = _Daily(rollups.checkouts_by_day, CheckoutFigures)
# Read from the send log itself (exact; see `marketing`), and from the outcome rollup.
messages: Source[MessageFigures] = _Daily(marketing.message_counts, MessageFigures)
outcomes: Source[OutcomeFigures] = _Daily(rollups.outcomes_by_day, OutcomeFigures)
# One row per survey response, read by day (see `surveys`).
survey_figures: Source[SurveyFigures] = _Daily(surveys.survey_counts, SurveyFigures)


class _Customers:
    """Distinct customers: a range's counts come from its own sums (`rollups.customer_counts`),
    its periods' from per-day or per-period rows."""

    async def __call__(
        self, session: AsyncSession, shop_id: int, start: date, end: date, granularity: Granularity
    ) -> Reading[CustomerCounts]:
        whole = await rollups.customer_counts(session, shop_id, start, end)
        if granularity is Granularity.DAY:
            by_period = await rollups.customer_counts_by_day(session, shop_id, start, end)
        else:
            by_period = await rollups.customer_counts_by_period(
                session, shop_id, start, end, granularity
            )
        return Reading(whole, aligned(by_period, start, end, granularity, CustomerCounts()))

    async def by_day(
        self, session: AsyncSession, shop_id: int, spans: Sequence[Span], days_only: Set[Span]
    ) -> dict[Span, Reading[CustomerCounts]]:
        days: dict[date, CustomerCounts] = {}
        for first, last in stretches(spans):
            days.update(await rollups.customer_counts_by_day(session, shop_id, first, last))
        summed = any(span not in days_only for span in spans)
        newest = await rollups.newest_customer_day(session, shop_id) if summed else None
        readings = {}
        for first, last in spans:
            whole = None
            if (first, last) not in days_only:
                whole = await rollups.customer_counts_given(session, shop_id, first, last, newest)
            inside = within(days, first, last)
            series = aligned(inside, first, last, Granularity.DAY, CustomerCounts())
            readings[(first, last)] = Reading(whole, series)
        return readings


customers: Source[CustomerCounts] = _Customers()


@dataclass(frozen=True)
class Lifetime:
    """Everything up to a range's last day: known customers' net sales and their number."""

    customer_net_sales: Decimal = ZERO
    customers: int = 0


class _Lifetime:
    """History before the range counts too: running totals from the shop's first day."""

    async def __call__(
        self, session: AsyncSession, shop_id: int, start: date, end: date, granularity: Granularity
    ) -> Reading[Lifetime]:
        return (await self._readings(session, shop_id, [(start, end)], granularity))[(start, end)]

    async def by_day(
        self, session: AsyncSession, shop_id: int, spans: Sequence[Span], days_only: Set[Span]
    ) -> dict[Span, Reading[Lifetime]]:
        return await self._readings(session, shop_id, spans, Granularity.DAY)

    async def _readings(
        self, session: AsyncSession, shop_id: int, spans: Sequence[Span], granularity: Granularity
    ) -> dict[Span, Reading[Lifetime]]:
        """Every span from one read of each day's two figures up to the latest last day (a
        span's running totals stop at its own last day)."""
        newest = max(last for _, last in spans)
        net = await rollups.customer_net_sales_by_day(session, shop_id, newest)
        acquired = await rollups.new_customers_by_day(session, shop_id, date.min, newest)
        readings = {}
        for start, end in spans:
            cut = periods(start, end, granularity)
            ends = _running_totals([last for _, last in cut], net, acquired)
            series = [
                (period_start(first, granularity), at)
                for (first, _), at in zip(cut, ends, strict=True)
            ]
            # The last period ends on the range's last day.
            readings[(start, end)] = Reading(ends[-1], series)
        return readings


lifetime: Source[Lifetime] = _Lifetime()


def _running_totals(
    ends: list[date], sold: Mapping[date, Decimal], acquired: Mapping[date, int]
) -> list[Lifetime]:
    """The lifetime figures up to each of the ascending `ends`, in one pass over the days
    (`sold`: each day's known customers' sales less their returns)."""
    days = sorted(set(sold) | set(acquired))
    net, customers, index, result = ZERO, 0, 0, []
    for last in ends:
        while index < len(days) and days[index] <= last:
            day = days[index]
            net += sold.get(day, ZERO)
            customers += acquired.get(day, 0)
            index += 1
        result.append(Lifetime(net, customers))
    return result
