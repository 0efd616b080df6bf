"""Where each family of metrics reads its figures: the summed rollups of a range and of each
of its periods. Every read touches the range's rollup rows once; their number grows with days,
never with orders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Generic, Protocol, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from app.metrics import marketing, rollups, surveys
from app.metrics.checkouts import CheckoutFigures
from app.metrics.customers import CustomerCounts
from app.metrics.figures import ZERO, Additive, SalesFigures, add_to
from app.metrics.marketing import MessageFigures
from app.metrics.outcomes import OutcomeFigures
from app.metrics.periods import Granularity, period_start, periods
from app.metrics.surveys import SurveyFigures

F = TypeVar("F", bound=Additive)
T = TypeVar("T")


@dataclass(frozen=True)
class Reading(Generic[T]):
    whole: T  # the figures of the whole range
    series: list[tuple[date, T]]  # (period start, figures) of each period, in order


class Source(Protocol[T]):
    async def __call__(
        self, session: AsyncSession, shop_id: int, start: date, end: date, granularity: Granularity
    ) -> Reading[T]: ...


@dataclass(frozen=True)
class _Daily(Generic[F]):
    """Figures kept per day: a range is the sum of its days."""

    read: rollups.DailyReader[F]
    empty: type[F]

    async def __call__(
        self, session: AsyncSession, shop_id: int, start: date, end: date, granularity: Granularity
    ) -> Reading[F]:
        days = await self.read(session, shop_id, start, end)
        by_period: dict[date, F] = {}
        for day, figures in days.items():
            key = period_start(day, granularity)
            add_to(by_period, key, figures)
        whole = sum(by_period.values(), self.empty())
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


async def customers(
    session: AsyncSession, shop_id: int, start: date, end: date, granularity: Granularity
) -> Reading[CustomerCounts]:
    whole = await rollups.customer_counts(session, shop_id, start, end)
    if granularity is Granularity.DAY:
        by_period = await rollups.customer_counts_by_day(session, shop_id, start, end)
    else:
        by_period = await rollups.customer_counts_by_period(
            session, shop_id, start, end, granularity
        )
    return Reading(whole, aligned(by_period, start, end, granularity, CustomerCounts()))


@dataclass(frozen=True)
class Lifetime:
    """Everything up to a range's last day: known customers' net sales and their number."""

    customer_net_sales: Decimal = ZERO
    customers: int = 0


async def lifetime(
    session: AsyncSession, shop_id: int, start: date, end: date, granularity: Granularity
) -> Reading[Lifetime]:
    # History before the range counts too: the prefix sums run from the shop's first day.
    sold = await rollups.sales_by_day(session, shop_id, date.min, end)
    acquired = await rollups.new_customers_by_day(session, shop_id, date.min, end)
    spans = periods(start, end, granularity)
    ends = _running_totals([last for _, last in spans], sold, acquired)
    series = [
        (period_start(first, granularity), at) for (first, _), at in zip(spans, ends, strict=True)
    ]
    return Reading(ends[-1], series)  # the last period ends on the range's last day


def _running_totals(
    ends: list[date], sold: Mapping[date, SalesFigures], acquired: Mapping[date, int]
) -> list[Lifetime]:
    """The lifetime figures up to each of the ascending `ends`, in one pass over the days."""
    days = sorted(set(sold) | set(acquired))
    net, customers, index, result = ZERO, 0, 0, []
    for last in ends:
        while index < len(days) and days[index] <= last:
            day = days[index]
            if day in sold:
                net += sold[day].customer_sales - sold[day].customer_returns
            customers += acquired.get(day, 0)
            index += 1
        result.append(Lifetime(net, customers))
    return result
