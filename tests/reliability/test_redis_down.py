"""Redis dies mid-run, losing whatever it held, and comes back empty: deliveries keep being
accepted (they are stored in PostgreSQL first), and the workers' dispatcher, which reads the
inbox itself and needs no Redis, handles every one once — while Redis is still down."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.startup import open_runtime
from app.tasks import registry
from app.webhooks.dispatcher import dispatch_until_idle
from app.wiring import event_bus, personal_data, webhook_topics
from tests.fixtures.app import running_app
from tests.fixtures.database import empty_all_tables
from tests.fixtures.network import free_port
from tests.fixtures.platforms import FakeShopify, FakeWooCommerce
from tests.fixtures.stores import Connected, connection_settings
from tests.reliability.deliveries import send_all, shopify_orders
from tests.reliability.ledger import Tally, tally
from tests.reliability.redis_server import OwnRedis
from tests.webhooks.helpers import install

SHOP = "redis-down.myshopify.com"
BEFORE, DURING = 30, 30  # deliveries before Redis dies and while it is down
RESENT = 10  # of those before, sent again by the platform while Redis is down


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis(free_port())
    server.start()
    yield server
    server.stop()


async def test_redis_down_and_back_empty(
    pg_engine: AsyncEngine, own_redis: OwnRedis, ledger: list[Tally]
) -> None:
    await empty_all_tables(pg_engine)
    settings = connection_settings().model_copy(update={"redis_url": own_redis.url})
    deliveries = shopify_orders(SHOP, BEFORE + DURING)
    async with running_app(settings, registry) as (app, client):
        shop = await install(
            Connected(app, client, settings, FakeShopify(), FakeWooCommerce()), SHOP
        )
        first = await send_all(client, deliveries[:BEFORE])
        own_redis.stop()
        then = await send_all(client, deliveries[BEFORE:] + deliveries[:RESENT])
        assert set(first + then) == {200}  # stored in PostgreSQL whatever Redis does

        # A worker process's dispatcher, Redis still down.
        async with open_runtime(
            settings,
            registry,
            run_cron=False,
            events=event_bus(),
            webhook_topics=webhook_topics(),
            personal_data=personal_data(),
        ) as worker:
            assert worker.inbox_dispatched
            await dispatch_until_idle(worker)
        own_redis.start()  # empty: nothing was waiting there

    result = await tally(
        pg_engine, shop.id or 0, "Redis down mid-run, back empty", sent=BEFORE + DURING
    )
    ledger.append(result)
    result.assert_nothing_lost_or_doubled()
    await empty_all_tables(pg_engine)
