"""Acceptance: for any stream of order and refund events — edits, cancellations and restores,
refunds before their order, duplicates, any order of arrival, test orders, two shops in two
currencies and time zones, dates across both shops' daylight-saving changes, checkouts the
store reports (live or in its abandoned list, recovered) before or after the orders placed with
their tokens, and checkouts known only from those orders, applied one
event per transaction or in batches (a backfill page: runs of orders written at once, also
set-based on PostgreSQL) — the
rollups kept incrementally equal a rebuild from the mirror and a naive recomputation from the raw
events written here, independently of the product's code, to the cent."""

from __future__ import annotations

import asyncio
import os
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import groupby
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce import service
from app.db import create_engine
from app.ingest import pipeline as commerce
from app.ingest.pipeline import ingest
from app.integrations.base import StoreClient
from app.integrations.events import (
    CheckoutChanged,
    CheckoutSnapshot,
    CustomerSnapshot,
    OrderChanged,
    OrderLine,
    OrderSnapshot,
    OrderState,
    Refund,
    RefundCreated,
)
from app.metrics.deltas import ROLLUPS
from app.metrics.periods import Granularity, periods
from app.metrics.rebuild import differences
from app.metrics.service import evaluate
from app.shops.models import Shop
from tests.fixtures.objects import create_shop
from tests.fixtures.settings import make_settings

# Berlin leaves summer time on 25 October, New York on 1 November: both inside the window.
START = datetime(2026, 10, 22, tzinfo=UTC)
WINDOW_MINUTES = 14 * 24 * 60
# The first shop gets each event in its own transaction, the second in batches of BATCH, the
# third in the same batches with runs of orders written set-based (a backfill's bulk path).
SHOPS = (("EUR", "Europe/Berlin"), ("USD", "America/New_York"), ("INR", "Asia/Kolkata"))
BATCH = 7
CUSTOMERS = (
    CustomerSnapshot("7001", "ana@example.com"),
    CustomerSnapshot("7002", "ben@example.com"),
    CustomerSnapshot(None, " Guest@Example.com "),  # a guest, known by e-mail
    None,  # no customer at all: counts in sales, not in customer metrics
)
CHECKED = (
    "net_sales",
    "gross_sales",
    "discounts",
    "returns",
    "orders",
    "customers",
    "new_customers",
    "returning_customers",
    "repeat_purchase_rate",
    "checkouts_started",
    "checkout_conversion_rate",
    "abandoned_checkouts",
    "recovered_checkouts",
)
EXAMPLES = int(os.environ.get("STOREOKR_PROPERTY_EXAMPLES", "40"))


@dataclass(frozen=True)
class State:
    """What an order's state at one update says (the platform sends the same state each time)."""

    cancelled: bool
    price: Decimal
    quantity: int
    discount: Decimal


@dataclass(frozen=True)
class OrderHistory:
    placed_at: datetime
    test: bool
    customer: CustomerSnapshot | None
    states: tuple[State, ...]  # its successive updates, oldest first
    refunds: tuple[tuple[int, Decimal], ...]  # (minutes after the order, amount)
    # Minutes its checkout was created before it (None: placed naming no checkout; a report of
    # checkout `t<order>` then stands alone); whether the store's reports show contact details.
    lead: int | None = None
    contact: bool = False

    def checkout_created(self) -> datetime:
        return self.placed_at - timedelta(minutes=self.lead or 0)

    def refund(self, order: int, number: int) -> Refund:
        after, amount = self.refunds[number]
        placed = self.placed_at + timedelta(minutes=after)
        return Refund(f"r{order}-{number}", f"o{order}", placed, amount)


@dataclass(frozen=True)
class Update:
    order: int
    number: int  # index into the order's states: later is newer


@dataclass(frozen=True)
class RefundOf:
    order: int
    number: int


@dataclass(frozen=True)
class Reported:
    """The store reports the order's checkout: live and open, or in its abandoned list with the
    order's completion (recovered), a newer state."""

    order: int
    listed: bool


cents = st.integers(min_value=1, max_value=50_000).map(lambda n: Decimal(n) / 100)
states = st.builds(
    State,
    st.integers(0, 4).map(lambda n: n == 0),
    cents,
    st.integers(1, 3),
    st.integers(0, 2000).map(lambda n: Decimal(n) / 100),
)
histories = st.builds(
    OrderHistory,
    st.integers(0, WINDOW_MINUTES).map(lambda m: START + timedelta(minutes=m)),
    st.integers(0, 5).map(lambda n: n == 0),
    st.sampled_from(CUSTOMERS),
    st.tuples(states, states, states),
    st.tuples(*[st.tuples(st.integers(0, 6 * 24 * 60), cents)] * 2),
    st.one_of(st.none(), st.integers(0, 3 * 24 * 60)),
    st.booleans(),
)
Event = Update | RefundOf | Reported


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[OrderHistory], list[Event]]:
    orders = draw(st.lists(histories, min_size=1, max_size=6))
    updates = st.builds(Update, st.integers(0, len(orders) - 1), st.integers(0, 2))
    refunds = st.builds(RefundOf, st.integers(0, len(orders) - 1), st.integers(0, 1))
    reports = st.builds(Reported, st.integers(0, len(orders) - 1), st.booleans())
    # A list drawn in any order, with repeats: duplicates and reordering come for free.
    return orders, draw(st.lists(st.one_of(updates, refunds, reports), min_size=1, max_size=16))


def snapshot(order: OrderHistory, update: Update, currency: str) -> OrderSnapshot:
    state = order.states[update.number]
    gross = state.price * state.quantity
    discount = min(state.discount, gross)
    return OrderSnapshot(
        platform_id=f"o{update.order}",
        name=f"#{update.order}",
        created_at=order.placed_at,
        updated_at=order.placed_at + timedelta(hours=update.number + 1),
        state=OrderState.CANCELLED if state.cancelled else OrderState.OPEN,
        test=order.test,
        currency=currency,
        gross=gross,
        discounts=discount,
        shipping=Decimal("0"),
        tax=Decimal("0"),
        total=gross - discount,
        current_total=gross - discount,
        status="paid",
        customer=order.customer,
        checkout_token=None if order.lead is None else f"t{update.order}",
        lines=(OrderLine("l1", "p1", "v1", state.quantity, state.price),),
    )


def report(order: OrderHistory, event: Reported) -> CheckoutSnapshot:
    created = order.checkout_created()
    return CheckoutSnapshot(
        token=f"t{event.order}",
        created_at=created,
        updated_at=created + timedelta(minutes=2 if event.listed else 1),
        email="shopper@example.com" if order.contact else None,
        phone=None,
        completed_at=order.placed_at if event.listed else None,
        recovery_url=None,
        total=Decimal("1"),
        listed_abandoned=event.listed,
    )


def naive_checkouts(
    orders: list[OrderHistory], events: list[Event], timezone: str, first: date, last: date
) -> dict[str, Decimal | None]:
    """The checkout figures straight from the raw events: a checkout the store reported dates
    from its creation, one known only from a counted order from the order; it counts with
    contact details (the store's, or its order's e-mail)."""
    zone = ZoneInfo(timezone)
    started = completed = abandoned = 0
    for index, order in enumerate(orders):
        reports = [e for e in events if isinstance(e, Reported) and e.order == index]
        written, newest = [], -1  # the states written: each newer than the one held
        for event in events:
            if isinstance(event, Update) and event.order == index and event.number > newest:
                newest = event.number
                written.append(order.states[event.number])
        by_order = order.lead is not None and any(
            not state.cancelled and not order.test for state in written
        )
        email = (order.customer.email or "").strip() if order.customer else ""
        contact = (reports and order.contact) or (by_order and email)
        if not contact:
            continue
        moment = order.checkout_created() if reports else order.placed_at
        if first <= moment.astimezone(zone).date() <= last:
            listed = any(r.listed for r in reports)
            started += 1
            completed += by_order or listed
            abandoned += listed  # recovered, all of them (no sweep runs here)
    return {
        "checkouts_started": Decimal(started),
        "checkout_conversion_rate": Decimal(completed) / started if started else None,
        "abandoned_checkouts": Decimal(abandoned),
        "recovered_checkouts": Decimal(abandoned),
    }


def naive(
    orders: list[OrderHistory], events: list[Event], timezone: str, first: date, last: date
) -> dict[str, Decimal | None]:
    """Each figure straight from the raw events: the newest state received of each order wins."""
    zone = ZoneInfo(timezone)
    newest: dict[int, int] = {}
    for event in events:
        if isinstance(event, Update):
            newest[event.order] = max(event.number, newest.get(event.order, 0))
    counted = {
        index: orders[index].states[number]
        for index, number in newest.items()
        if not orders[index].states[number].cancelled and not orders[index].test
    }
    day_of = {index: orders[index].placed_at.astimezone(zone).date() for index in counted}
    inside = [index for index in counted if first <= day_of[index] <= last]
    gross = sum((counted[i].price * counted[i].quantity for i in inside), Decimal(0))
    discounts = sum(
        (min(counted[i].discount, counted[i].price * counted[i].quantity) for i in inside),
        Decimal(0),
    )
    refunds = {orders[e.order].refund(e.order, e.number) for e in events if isinstance(e, RefundOf)}
    returns = sum(
        (
            r.amount
            for r in refunds
            if int(r.order_platform_id[1:]) in counted
            and first <= r.created_at.astimezone(zone).date() <= last
        ),
        Decimal(0),
    )
    by_customer: dict[str, list[int]] = defaultdict(list)
    for index in counted:
        customer = orders[index].customer
        if customer is not None:
            key = customer.platform_id or (customer.email or "").strip().lower()
            by_customer[key].append(index)
    customers = new = returning = repeaters = 0
    for indexes in by_customer.values():
        history = sorted(indexes, key=lambda i: (orders[i].placed_at, i))
        in_range = [n for n, i in enumerate(history) if first <= day_of[i] <= last]
        customers += bool(in_range)
        new += first <= day_of[history[0]] <= last
        returning += any(n > 0 for n in in_range)
        repeaters += (
            first <= day_of[history[0]] <= last
            and len(history) > 1
            and (day_of[history[1]] - day_of[history[0]]).days <= 90
        )
    return {
        "net_sales": gross - discounts - returns,
        "gross_sales": gross,
        "discounts": discounts,
        "returns": returns,
        "orders": Decimal(len(inside)),
        "customers": Decimal(customers),
        "new_customers": Decimal(new),
        "returning_customers": Decimal(returning),
        "repeat_purchase_rate": Decimal(repeaters) / new if new else None,
    } | naive_checkouts(orders, events, timezone, first, last)


async def _run(engine: AsyncEngine, orders: list[OrderHistory], events: list[Event]) -> None:
    shops = []
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        for currency, timezone in SHOPS:
            shops.append(await create_shop(session, currency=currency, timezone=timezone))
    one_by_one, in_batches, in_bulk = shops
    try:
        for event in events:  # each event in its own transaction, as webhooks are
            async with AsyncSession(engine) as session, session.begin():
                await commerce.apply(session, one_by_one.id or 0, _event(one_by_one, orders, event))
        for start in range(0, len(events), BATCH):  # as a backfill page: runs of orders at once
            batch = [_event(in_batches, orders, event) for event in events[start : start + BATCH]]
            async with AsyncSession(engine) as session, session.begin():
                await ingest(session, in_batches, list(batch), _no_client)
        for start in range(0, len(events), BATCH):
            batch = [_event(in_bulk, orders, event) for event in events[start : start + BATCH]]
            async with AsyncSession(engine) as session, session.begin():
                await _apply_in_bulk(session, in_bulk.id or 0, batch)
        async with AsyncSession(engine) as session:
            for shop in shops:
                await _check(session, shop, orders, events)
    finally:
        async with AsyncSession(engine) as session, session.begin():
            ids = [shop.id for shop in shops]
            await session.exec(delete(Shop).where(col(Shop.id).in_(ids)))


async def _apply_in_bulk(
    session: AsyncSession, shop_id: int, batch: list[OrderChanged | RefundCreated | CheckoutChanged]
) -> None:
    """As `ingest` does, with each run of orders taken by the set-based path."""
    for kind, run in groupby(batch, key=type):
        if kind is OrderChanged:
            snapshots = [event.order for event in run if isinstance(event, OrderChanged)]
            await service.apply_orders_in_bulk(session, shop_id, snapshots, ROLLUPS)
        else:
            for event in run:
                await commerce.apply(session, shop_id, event)


def _no_client() -> StoreClient:
    raise AssertionError("no refund is fetched in this test")


def _event(
    shop: Shop, orders: list[OrderHistory], event: Event
) -> OrderChanged | RefundCreated | CheckoutChanged:
    if isinstance(event, RefundOf):
        return RefundCreated(orders[event.order].refund(event.order, event.number))
    if isinstance(event, Reported):
        return CheckoutChanged(report(orders[event.order], event))
    return OrderChanged(snapshot(orders[event.order], event, shop.currency))


async def _check(
    session: AsyncSession, shop: Shop, orders: list[OrderHistory], events: list[Event]
) -> None:
    assert await differences(session, shop.id or 0) == []  # incremental == rebuild
    # Ranges past, around and ending before the newest order: each way of counting customers.
    ranges = [
        (date(2026, 10, 20), date(2026, 11, 9)),
        (date(2026, 10, 25), date(2026, 11, 1)),
        (date(2026, 10, 24), date(2026, 10, 26)),
    ]
    for first, last in ranges:
        expected = naive(orders, events, shop.timezone, first, last)
        for key in CHECKED:
            value = await evaluate(session, shop.id or 0, key, first, last, Granularity.DAY)
            assert value.value == expected[key], (key, shop.timezone, first, last)
    first, last = ranges[0]
    for granularity in Granularity:
        for key in ("customers", "returning_customers", "net_sales"):
            value = await evaluate(session, shop.id or 0, key, first, last, granularity)
            spans = periods(first, last, granularity)
            for period, (start, end) in zip(value.series, spans, strict=True):
                wanted = naive(orders, events, shop.timezone, start, end)[key]
                assert period[1] == wanted, (key, granularity, start, end)


_STATE = State(False, Decimal("10"), 1, Decimal("0"))
_AN_ORDER = OrderHistory(
    START + timedelta(days=2), False, CUSTOMERS[0], (_STATE,) * 3, ((1, Decimal(1)),) * 2, 60
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stream=streams())
# A checkout reported without contact details, then its order with an e-mail: it counts.
@example(stream=([_AN_ORDER], [Reported(0, listed=False), Update(0, 0)]))
def test_rollups_equal_rebuild_and_naive_recomputation(
    pg_engine: AsyncEngine, stream: tuple[list[OrderHistory], list[Event]]
) -> None:
    async def example() -> None:
        engine = create_engine(make_settings())  # this thread's own loop and connections
        try:
            await _run(engine, *stream)
        finally:
            await engine.dispose()

    asyncio.run(example())
