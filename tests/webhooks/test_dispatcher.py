"""The dispatcher (PostgreSQL with arq workers): the acknowledgement stores and queues nothing;
workers' dispatchers drain the inbox shop by shop, each event handled once and a shop's events
in the order they arrived, however many dispatchers race; a batch cut short is taken again; a
bad event holds back no other."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db import utcnow
from app.runtime import Runtime
from app.shops.models import Shop
from app.startup import open_runtime
from app.tasks import registry
from app.topic_routing import Burst, TopicRouting
from app.webhooks import repository
from app.webhooks.dispatcher import dispatch_until_idle
from app.webhooks.models import EventStatus, WebhookEvent
from app.wiring import event_bus, personal_data, webhook_topics
from tests.fixtures.app import running_app
from tests.fixtures.database import empty_all_tables
from tests.fixtures.objects import create_shop
from tests.fixtures.platforms import FakeShopify, FakeWooCommerce
from tests.fixtures.settings import REDIS_URL
from tests.fixtures.stores import Connected, connection_settings
from tests.reliability.deliveries import send_all, shopify_orders
from tests.reliability.ledger import tally
from tests.webhooks.helpers import install

BUSY, QUIET = "busy-dispatch.myshopify.com", "quiet-dispatch.myshopify.com"


def dispatched_settings() -> Settings:
    return connection_settings().model_copy(update={"redis_url": REDIS_URL})


def worker_runtime(
    settings: Settings, topics: TopicRouting[Any] | None = None
) -> AbstractAsyncContextManager[Runtime]:
    """A worker process's runtime: jobs to Redis, the app's topics unless given others."""
    return open_runtime(
        settings,
        registry,
        run_cron=False,
        events=event_bus(),
        webhook_topics=topics or webhook_topics(),
        personal_data=personal_data(),
    )


@pytest.fixture
async def clean(pg_engine: AsyncEngine, redis: Redis) -> AsyncIterator[None]:
    await empty_all_tables(pg_engine)
    yield
    await empty_all_tables(pg_engine)


async def events_of(engine: AsyncEngine, shop_id: int) -> list[WebhookEvent]:
    async with AsyncSession(engine) as session:
        statement = (
            select(WebhookEvent)
            .where(WebhookEvent.shop_id == shop_id)
            .order_by(col(WebhookEvent.id))
        )
        return list((await session.exec(statement)).all())


async def test_acknowledgement_stores_and_queues_nothing(
    clean: None, pg_engine: AsyncEngine, redis: Redis
) -> None:
    settings = dispatched_settings()
    async with running_app(settings, registry) as (app, client):
        connected = Connected(app, client, settings, FakeShopify(), FakeWooCommerce())
        shop = await install(connected, BUSY)
        [delivery] = shopify_orders(BUSY, 1)
        answers = await send_all(client, [delivery, delivery], concurrency=1)

    assert answers == [200, 200]
    [stored] = await events_of(pg_engine, shop.id or 0)
    assert (stored.status, stored.attempts) == (EventStatus.PENDING, 0)
    assert await redis.keys("arq:*") == []  # no job: the dispatcher will find the row


async def test_racing_dispatchers_handle_each_delivery_once_and_in_order(
    clean: None, pg_engine: AsyncEngine
) -> None:
    settings = dispatched_settings()
    busy_orders, quiet_orders, resent = 230, 30, 40
    async with running_app(settings, registry) as (app, client):
        connected = Connected(app, client, settings, FakeShopify(), FakeWooCommerce())
        busy, quiet = await install(connected, BUSY), await install(connected, QUIET)
        deliveries = shopify_orders(BUSY, busy_orders) + shopify_orders(QUIET, quiet_orders)
        answers = await send_all(client, deliveries + deliveries[:resent])
    assert set(answers) == {200}

    async with worker_runtime(settings) as first, worker_runtime(settings) as second:
        await asyncio.gather(dispatch_until_idle(first), dispatch_until_idle(second))

    for shop, sent in ((busy, busy_orders), (quiet, quiet_orders)):
        result = await tally(pg_engine, shop.id or 0, "two dispatchers", sent=sent)
        result.assert_nothing_lost_or_doubled()
        events = await events_of(pg_engine, shop.id or 0)
        assert {event.attempts for event in events} == {1}
        handled_at = [event.handled_at for event in events]  # in the order they arrived
        assert handled_at == sorted(handled_at, key=lambda moment: moment or utcnow())


ApplyFn = Callable[[Any, Any, list[int]], Any]


def counting_topics(apply: ApplyFn) -> TopicRouting[Any]:
    """Shopify's `orders/create` applied by `apply` in bursts (a delivery reads as its id)."""
    topics: TopicRouting[Any] = TopicRouting()
    burst = Burst(prepare=lambda _shop, _topic, body: int(body["id"]), apply=apply)
    topics.handle_in_bursts("shopify", ["orders/create"], burst)
    return topics


async def store_orders(runtime: Runtime, shop_id: int, ids: list[int]) -> None:
    for order_id in ids:
        await repository.store_delivery_committed(
            runtime.engine,
            runtime.group_inserts,
            {
                "shop_id": shop_id,
                "delivery_id": f"delivery-{order_id}",
                "topic": "orders/create",
                "payload": f'{{"id": {order_id}}}',
                "status": EventStatus.PENDING,
                "triggered_at": None,
                "received_at": utcnow(),
                "attempts": 0,
            },
        )


async def a_shop(engine: AsyncEngine) -> int:
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        shop: Shop = await create_shop(session, domain=BUSY)
    return shop.id or 0


async def test_batch_cut_short_is_taken_again_and_applied_once(
    clean: None, pg_engine: AsyncEngine
) -> None:
    shop_id = await a_shop(pg_engine)
    reached, committed = asyncio.Event(), []

    async def stuck(_ctx: Any, _shop: Any, ids: list[int]) -> None:
        reached.set()
        await asyncio.Event().wait()  # the worker dies here, mid-batch

    async def applies(_ctx: Any, _shop: Any, ids: list[int]) -> None:
        committed.extend(ids)

    settings = dispatched_settings()
    async with worker_runtime(settings, counting_topics(stuck)) as dying:
        await store_orders(dying, shop_id, list(range(1, 11)))
        dispatching = asyncio.create_task(dispatch_until_idle(dying))
        await asyncio.wait_for(reached.wait(), 30)
        dispatching.cancel()
        await asyncio.gather(dispatching, return_exceptions=True)
    left = await events_of(pg_engine, shop_id)
    assert {(e.status, e.attempts) for e in left} == {(EventStatus.PENDING, 0)}

    async with worker_runtime(settings, counting_topics(applies)) as next_worker:
        await dispatch_until_idle(next_worker)
    assert committed == list(range(1, 11))
    done = await events_of(pg_engine, shop_id)
    assert {(e.status, e.attempts) for e in done} == {(EventStatus.HANDLED, 1)}


async def test_bad_event_fails_alone_and_waits_for_its_retry_job(
    clean: None, pg_engine: AsyncEngine, redis: Redis
) -> None:
    shop_id = await a_shop(pg_engine)
    committed: list[int] = []

    async def refuses_three(_ctx: Any, _shop: Any, ids: list[int]) -> None:
        if 3 in ids:
            raise RuntimeError("order 3 cannot be applied")
        committed.extend(ids)

    async with worker_runtime(dispatched_settings(), counting_topics(refuses_three)) as runtime:
        await store_orders(runtime, shop_id, [1, 2, 3, 4, 5])
        await dispatch_until_idle(runtime)

    assert committed == [1, 2, 4, 5]
    events = {int(e.delivery_id.split("-")[1]): e for e in await events_of(pg_engine, shop_id)}
    assert {n: e.status for n, e in events.items()} == {
        1: EventStatus.HANDLED,
        2: EventStatus.HANDLED,
        3: EventStatus.PENDING,
        4: EventStatus.HANDLED,
        5: EventStatus.HANDLED,
    }
    assert events[3].attempts == 1
    assert events[3].last_error == "RuntimeError: order 3 cannot be applied"
    assert await redis.exists(f"arq:job:inbox:{events[3].id}")  # its retry, with backoff


async def test_a_shops_long_batch_holds_back_no_other_shop(
    clean: None, pg_engine: AsyncEngine
) -> None:
    """A round applies its shops side by side: while one shop's batch is still being applied,
    another shop's waiting order is applied and committed."""
    busy = await a_shop(pg_engine)
    async with AsyncSession(pg_engine, expire_on_commit=False) as session, session.begin():
        quiet = (await create_shop(session, domain=QUIET)).id or 0
    busy_reached, quiet_applied, release = asyncio.Event(), asyncio.Event(), asyncio.Event()
    applied: list[int] = []

    async def apply(_ctx: Any, shop: Shop, ids: list[int]) -> None:
        if shop.id == busy:
            busy_reached.set()
            await release.wait()  # a long batch, still running
        else:
            quiet_applied.set()
        applied.extend(ids)

    async with worker_runtime(dispatched_settings(), counting_topics(apply)) as runtime:
        await store_orders(runtime, busy, list(range(1, 6)))
        await store_orders(runtime, quiet, [100])
        dispatching = asyncio.create_task(dispatch_until_idle(runtime))
        await asyncio.wait_for(busy_reached.wait(), 60)
        await asyncio.wait_for(quiet_applied.wait(), 60)  # while the busy batch still runs
        release.set()
        await asyncio.wait_for(dispatching, 60)

    assert applied == [100, 1, 2, 3, 4, 5]
    assert {e.status for e in await events_of(pg_engine, quiet)} == {EventStatus.HANDLED}
