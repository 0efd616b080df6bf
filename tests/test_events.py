"""Domain events after commit: a new reaction to "checkout completed" is one function and one
registration line; it hears the event once, after the commit, and never for a rollback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.changes import (
    CheckoutAbandoned,
    CheckoutCompleted,
    CheckoutRecovered,
    CheckoutStarted,
    CustomerFirstOrder,
    CustomerReturned,
    OrderCancelled,
    OrderEdited,
    OrderPlaced,
)
from app.db import utcnow
from app.events import DomainEvent, EventBus
from app.ingest import pipeline
from app.integrations.events import CheckoutChanged, OrderChanged, OrderState
from app.integrations.shopify.normalize import normalise
from app.metrics.deltas import MetricsMoved
from app.runtime import Runtime
from app.startup import open_runtime
from app.worker.tasks import TaskRegistry
from tests.fixtures.database import empty_all_tables
from tests.fixtures.objects import create_shop
from tests.fixtures.payloads import payload
from tests.fixtures.settings import make_settings


class Heard:
    """A subscriber that notes what it hears, and whether the change was committed by then."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    async def __call__(self, session: AsyncSession, event: DomainEvent) -> None:
        self.events.append(event)


@pytest.fixture
async def heard(pg_engine: AsyncEngine) -> AsyncIterator[tuple[Runtime, Heard]]:
    """A runtime whose bus has one subscriber to every domain event."""
    await empty_all_tables(pg_engine)
    heard = Heard()
    bus = EventBus()
    bus.subscribe(DomainEvent, heard)
    async with open_runtime(make_settings(), TaskRegistry(), events=bus) as runtime:
        yield runtime, heard
    await empty_all_tables(pg_engine)


def checkout_event(minutes_ago: int = 0) -> CheckoutChanged:
    body = payload("shopify_checkout")
    body["created_at"] = body["updated_at"] = (
        utcnow() - timedelta(minutes=minutes_ago)
    ).isoformat()
    [event] = normalise("checkouts/create", body, "EUR")
    assert isinstance(event, CheckoutChanged)
    return event


def order_event(**changes: object) -> OrderChanged:
    [event] = normalise("orders/create", payload("shopify_order"), "EUR")
    assert isinstance(event, OrderChanged)
    return OrderChanged(replace(event.order, **changes))  # type: ignore[arg-type]


async def test_a_checkout_completed_subscriber_hears_it_once_after_commit(
    pg_engine: AsyncEngine,
) -> None:
    await empty_all_tables(pg_engine)
    completed: list[CheckoutCompleted] = []

    async def note_completion(session: AsyncSession, event: CheckoutCompleted) -> None:
        completed.append(event)

    bus = EventBus()
    bus.subscribe(CheckoutCompleted, note_completion)  # the one registration line
    async with open_runtime(make_settings(), TaskRegistry(), events=bus) as runtime:
        async with runtime.transaction() as session:
            shop_id = (await create_shop(session)).id or 0
            checkout = checkout_event()
            await pipeline.apply(session, shop_id, checkout)
            order = order_event(checkout_token=checkout.checkout.token)
            await pipeline.apply(session, shop_id, order)
            assert completed == []  # not before the commit
        await pipeline_again(runtime, shop_id, order)  # the same order again: nothing new

    assert [(e.shop_id, e.token) for e in completed] == [(shop_id, checkout.checkout.token)]
    await empty_all_tables(pg_engine)


async def pipeline_again(runtime: Runtime, shop_id: int, order: OrderChanged) -> None:
    async with runtime.transaction() as session:
        await pipeline.apply(session, shop_id, order)


async def test_a_rolled_back_change_publishes_nothing(heard: tuple[Runtime, Heard]) -> None:
    runtime, seen = heard
    async with runtime.transaction() as session:
        shop_id = (await create_shop(session)).id or 0

    async def write_then_fail() -> None:
        async with runtime.transaction() as session:
            await pipeline.apply(session, shop_id, checkout_event())
            await pipeline.apply(session, shop_id, order_event())
            raise RuntimeError("the job failed after writing")

    with pytest.raises(RuntimeError):
        await write_then_fail()
    assert seen.events == []


async def test_a_failing_subscriber_leaves_the_change_and_the_others_alone(
    pg_engine: AsyncEngine,
) -> None:
    await empty_all_tables(pg_engine)
    seen = Heard()

    async def broken(session: AsyncSession, event: DomainEvent) -> None:
        raise RuntimeError("a subscriber's own bug")

    bus = EventBus()
    bus.subscribe(OrderPlaced, broken)
    bus.subscribe(OrderPlaced, seen)
    async with open_runtime(make_settings(), TaskRegistry(), events=bus) as runtime:
        async with runtime.transaction() as session:
            shop_id = (await create_shop(session)).id or 0
            await pipeline.apply(session, shop_id, order_event())
        async with runtime.transaction() as session:
            assert await pipeline.apply(session, shop_id, order_event()) is None  # stored

    assert [type(event) for event in seen.events] == [OrderPlaced]  # and the order is kept
    await empty_all_tables(pg_engine)


async def test_a_checkouts_life_and_its_customers_orders_are_told_in_order(
    heard: tuple[Runtime, Heard],
) -> None:
    runtime, seen = heard
    async with runtime.transaction() as session:
        shop_id = (await create_shop(session)).id or 0
        checkout = checkout_event(minutes_ago=120)
        await pipeline.apply(session, shop_id, checkout)
        await pipeline.sweep_abandoned(session, shop_id, timedelta(hours=1))
        first = order_event(checkout_token=checkout.checkout.token, created_at=utcnow())
        await pipeline.apply(session, shop_id, first)
        later = utcnow() + timedelta(minutes=1)
        again = order_event(platform_id="2", name="#2", created_at=later, updated_at=later)
        await pipeline.apply(session, shop_id, again)
        edited = replace(again.order, updated_at=later + timedelta(minutes=1))
        await pipeline.apply(session, shop_id, OrderChanged(edited))
        cancelled = replace(
            edited, updated_at=later + timedelta(minutes=2), state=OrderState.CANCELLED
        )
        await pipeline.apply(session, shop_id, OrderChanged(cancelled))
        test_order = order_event(platform_id="3", name="#3", test=True)
        await pipeline.apply(session, shop_id, test_order)

    commerce = [event for event in seen.events if not isinstance(event, MetricsMoved)]
    assert [type(event) for event in commerce] == [
        CheckoutStarted,
        CheckoutAbandoned,
        OrderPlaced,
        CustomerFirstOrder,
        CheckoutCompleted,
        CheckoutRecovered,
        OrderPlaced,
        CustomerReturned,
        OrderEdited,
        OrderCancelled,
    ]  # and nothing for the test order
    assert {event.shop_id for event in commerce} == {shop_id}


async def test_open_pages_hear_a_commit_before_its_other_subscribers(
    heard: tuple[Runtime, Heard],
) -> None:
    """A batch's hundreds of events each take their subscribers' transactions: the live
    stream's `MetricsMoved` goes first, the rest in the order they happened."""
    runtime, seen = heard
    async with runtime.transaction() as session:
        shop_id = (await create_shop(session)).id or 0
    async with runtime.transaction() as session:
        await pipeline.apply(session, shop_id, order_event(created_at=utcnow()))
        later = utcnow() + timedelta(minutes=1)
        again = order_event(platform_id="2", name="#2", created_at=later, updated_at=later)
        await pipeline.apply(session, shop_id, again)

    kinds = [type(event) for event in seen.events]
    moved = [n for n, kind in enumerate(kinds) if kind is MetricsMoved]
    assert moved  # the sales, customers… families moved
    assert moved == list(range(len(moved)))  # all of them before anything else
    assert [kind for kind in kinds if kind is not MetricsMoved] == [
        OrderPlaced,
        CustomerFirstOrder,
        OrderPlaced,
        CustomerReturned,
    ]
