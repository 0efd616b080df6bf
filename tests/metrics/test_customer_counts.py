"""Distinct-customer figures from (day, previous day) rows equal a direct count over orders, for
any customers and any range (property-based): the rows hold what the counts need."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.metrics.customers import (
    FIRST,
    REPEAT_WINDOW_DAYS,
    CustomerCounts,
    CustomerFigures,
    CustomerKey,
    customer_contribution,
)
from app.metrics.figures import combine

EPOCH = date(2026, 1, 1)
days = st.integers(min_value=0, max_value=400)
histories = st.lists(st.lists(days, min_size=1, max_size=6), max_size=12)


def noon(offset: int) -> datetime:
    return datetime.combine(EPOCH + timedelta(days=offset), datetime.min.time(), UTC).replace(
        hour=12
    )


def counts_for(  # the rule the database query applies
    rows: Iterable[tuple[CustomerKey, CustomerFigures]], first_day: date, last_day: date
) -> CustomerCounts:
    customers = new = returning = repeaters = 0
    for (day, previous), figures in rows:
        if not first_day <= day <= last_day:
            continue
        new += figures.firsts
        repeaters += figures.repeaters
        if previous < first_day:  # this customer's first order in the range
            customers += figures.orders
            if previous != FIRST:  # … and they had ordered before it
                returning += figures.orders
        else:  # a customer new in the range who ordered again in it is returning too
            returning += figures.seconds
    return CustomerCounts(customers, new, returning, repeaters)


def naive(history: list[list[int]], first: int, last: int) -> tuple[int, int, int, int]:
    """METRICS.md read literally, one customer at a time."""
    customers = new = returning = repeaters = 0
    for orders in (sorted(o) for o in history):
        inside = [i for i, day in enumerate(orders) if first <= day <= last]
        if inside:
            customers += 1
            returning += any(i > 0 for i in inside)
        if first <= orders[0] <= last:
            new += 1
            repeaters += len(orders) > 1 and orders[1] - orders[0] <= REPEAT_WINDOW_DAYS
    return customers, new, returning, repeaters


@settings(max_examples=300, deadline=None)
@given(histories, days, st.integers(min_value=0, max_value=120))
def test_counts_from_rows_equal_a_direct_count(
    history: list[list[int]], first: int, length: int
) -> None:
    rows = combine(
        *(customer_contribution([noon(day) for day in orders], "UTC").pairs for orders in history)
    )
    last = first + length
    counts = counts_for(rows.items(), EPOCH + timedelta(first), EPOCH + timedelta(last))
    assert (counts.customers, counts.new, counts.returning, counts.repeaters) == naive(
        history, first, last
    )


def test_a_previous_order_beyond_the_horizon_still_makes_a_returning_customer() -> None:
    rows = customer_contribution([noon(0), noon(2000)], "UTC").pairs
    counts = counts_for(rows.items(), EPOCH + timedelta(1990), EPOCH + timedelta(2005))
    assert (counts.customers, counts.new, counts.returning) == (1, 0, 1)
