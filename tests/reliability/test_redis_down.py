"""Redis dies mid-run, losing the jobs it held, and comes back empty: deliveries keep being
accepted (they are stored in PostgreSQL first), and the worker's redelivery sweep finds every
one still pending, so all are handled and counted once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from arq.worker import Worker
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import utcnow
from app.tasks import registry
from app.webhooks.models import WebhookEvent
from app.webhooks.tasks import redeliver
from app.wiring import event_bus, personal_data, webhook_topics
from app.worker.arq_worker import worker_settings
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


async def run_worker_until_idle(redis_url: str) -> None:
    """A real arq worker on the restarted Redis, stopping once its queue is empty."""
    settings = connection_settings().model_copy(update={"redis_url": redis_url})
    options = worker_settings(
        settings,
        registry,
        events=event_bus(),
        webhook_topics=webhook_topics(),
        personal_data=personal_data(),
    )
    options.update(cron_jobs=[], burst=True, handle_signals=False)
    worker = Worker(**options)
    try:
        await worker.main()
    finally:
        await worker.close()


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
        first = await send_all(client, deliveries[:BEFORE])  # queued in Redis, no worker yet
        own_redis.stop()
        then = await send_all(client, deliveries[BEFORE:] + deliveries[:RESENT])
        assert set(first + then) == {200}  # stored in PostgreSQL whatever Redis does
        own_redis.start()  # empty: the queued jobs are gone

        # Minutes later the worker's redelivery sweep (a cron job) runs on the new Redis.
        async with pg_engine.begin() as connection:
            old = utcnow() - timedelta(minutes=5)
            await connection.execute(update(WebhookEvent).values(received_at=old))
        await app.state.runtime.jobs.send(redeliver.job())
        await run_worker_until_idle(own_redis.url)

    result = await tally(
        pg_engine, shop.id or 0, "Redis down mid-run, back empty", sent=BEFORE + DURING
    )
    ledger.append(result)
    result.assert_nothing_lost_or_doubled()
    await empty_all_tables(pg_engine)
