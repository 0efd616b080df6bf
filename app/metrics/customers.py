"""What a customer's counted orders contribute to the customer figures (METRICS.md "Customers").

Distinct customers over any range come from per-order facts kept as additive counts: each
counted order is filed under its day *and the day of the customer's previous counted order*.
A customer then has an order in [a, b] exactly once with a previous day before `a` (their first
order in the range), so `customers` is a sum over rows — no scan of orders at query time.

The same facts are also kept per day and per previous day, so that a range reaching the
present is answered from prefix sums (rows ∝ the shop's days of history) instead of the
(day, previous day) rows of the range (rows ∝ days × distinct previous days): see
`rollups.customer_counts`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from app.metrics.figures import Additive, add_to, difference, local_day, slot_of

# `previous` for a customer's first order ever, and for a previous order so long ago that no
# range can start after it (kept apart: the second is a returning customer, the first is not).
FIRST = date(1, 1, 1)
LONG_AGO = date(1, 1, 2)
# The longest range a query may ask for; a previous day further back is filed as LONG_AGO, which
# bounds the rows per day.
HORIZON_DAYS = 3 * 366
# Repeat purchase rate: a second order within this many days of the first.
REPEAT_WINDOW_DAYS = 90


@dataclass(frozen=True)
class CustomerFigures(Additive):
    """Per (day, previous day): any range, in one pass over the range's rows."""

    orders: int = 0  # counted orders of known customers
    firsts: int = 0  # of which the customer's first ever (a new customer)
    seconds: int = 0  # of which the customer's second
    # Of the customers whose first order is on this day: those who ordered again within the
    # repeat window (dated by the first order, so a cohort's figure matures for 90 days).
    repeaters: int = 0


@dataclass(frozen=True)
class CustomerDayFigures(Additive):
    """Per day: prefix sums for ranges that reach the present, and single days."""

    orders: int = 0
    firsts: int = 0
    repeaters: int = 0
    same_day: int = 0  # orders whose previous order was on the same day
    same_day_seconds: int = 0  # of which second orders


@dataclass(frozen=True)
class PreviousDayFigures(Additive):
    """Per previous day (exact, however long ago): orders that followed an order of that day."""

    orders: int = 0
    seconds: int = 0


CustomerKey = tuple[date, date]  # (day, previous day)


@dataclass(frozen=True)
class CustomerContribution:
    """One customer's orders, filed three ways (see `rollups.customer_counts`)."""

    pairs: dict[CustomerKey, CustomerFigures] = field(default_factory=dict)
    days: dict[date, CustomerDayFigures] = field(default_factory=dict)
    previous: dict[date, PreviousDayFigures] = field(default_factory=dict)

    def minus(self, before: CustomerContribution) -> CustomerContribution:
        return CustomerContribution(
            difference(self.pairs, before.pairs),
            difference(self.days, before.days),
            difference(self.previous, before.previous),
        )

    def __bool__(self) -> bool:
        return bool(self.pairs or self.days or self.previous)


def customer_contribution(placed: Iterable[datetime], timezone: str) -> CustomerContribution:
    """The figures of one customer's counted orders, given when each was placed."""
    days = sorted(local_day(moment, timezone) for moment in placed)
    result = CustomerContribution()
    for index, day in enumerate(days):
        first, second = index == 0, index == 1
        previous = None if first else days[index - 1]
        pair = (day, FIRST if previous is None else _capped(previous, day))
        add_to(result.pairs, pair, CustomerFigures(1, int(first), int(second)))
        same = previous == day
        add_to(
            result.days, day, CustomerDayFigures(1, int(first), 0, int(same), int(same and second))
        )
        if previous is not None:
            add_to(result.previous, previous, PreviousDayFigures(1, int(second)))
    if len(days) >= 2 and days[1] - days[0] <= timedelta(days=REPEAT_WINDOW_DAYS):
        add_to(result.pairs, (days[0], FIRST), CustomerFigures(repeaters=1))
        add_to(result.days, days[0], CustomerDayFigures(repeaters=1))
    return result


def _capped(previous: date, day: date) -> date:
    return previous if (day - previous).days <= HORIZON_DAYS else LONG_AGO


PairRows = dict[tuple[date, date, int], CustomerFigures]  # (day, previous, slot)
DayRows = dict[tuple[date, int], CustomerDayFigures]  # (day, slot)
PreviousRows = dict[tuple[date, int], PreviousDayFigures]  # (previous, slot)


def slotted(
    customer_key: str, change: CustomerContribution
) -> tuple[PairRows, DayRows, PreviousRows]:
    """Rows for a customer's figures. Only the rows every new customer of a flash sale lands
    on — (day, FIRST) and the day's totals — spread over slots; the others are spread by their
    previous day already (and more slots would multiply the rows a query reads)."""
    slot = slot_of(customer_key)
    return (
        {
            (day, previous, slot if previous == FIRST else 0): figures
            for (day, previous), figures in change.pairs.items()
        },
        {(day, slot): figures for day, figures in change.days.items()},
        {(day, 0): figures for day, figures in change.previous.items()},
    )


@dataclass(frozen=True)
class CustomerCounts:
    """Distinct-customer figures of one range, derived from its (day, previous) rows: a
    customer's first order in [a, b] is the one whose previous day is before `a`; they are
    returning if that previous day is a real one, or if their second order ever is in the
    range too (`rollups.customer_counts` sums exactly this in the database)."""

    customers: int = 0
    new: int = 0
    returning: int = 0
    repeaters: int = 0
