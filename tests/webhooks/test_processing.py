"""Processing faults: a poison event is parked with its error, a lost enqueue is redelivered."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import utcnow
from app.startup import open_runtime
from app.tasks import registry
from app.webhooks.models import EventStatus, WebhookEvent
from app.webhooks.service import process_job
from app.webhooks.tasks import redeliver
from app.wiring import webhook_topics
from app.worker.embedded import EmbeddedJobRunner
from tests.fixtures.app import finish_jobs, running_app
from tests.fixtures.database import empty_all_tables
from tests.fixtures.payloads import payload
from tests.fixtures.platforms import API_SECRET, FakeShopify, FakeWooCommerce
from tests.fixtures.settings import UNREACHABLE_REDIS_URL
from tests.fixtures.stores import Connected, connection_settings
from tests.fixtures.webhooks import shopify_delivery, sign
from tests.shops.helpers import count_rows
from tests.webhooks.helpers import install

SHOP = "faulty.myshopify.com"


async def events(engine: AsyncEngine) -> list[WebhookEvent]:
    async with AsyncSession(engine) as session:
        return list((await session.exec(select(WebhookEvent).order_by(col(WebhookEvent.id)))).all())


async def test_poison_event_is_retried_then_parked_with_its_error(
    connected: Connected, pg_engine: AsyncEngine
) -> None:
    await install(connected, SHOP)
    headers, _ = shopify_delivery(SHOP, "customers/redact", {})
    body = b"{not json"
    headers["X-Shopify-Hmac-Sha256"] = sign(API_SECRET, body)
    good_headers, good_body = shopify_delivery(
        SHOP, "customers/data_request", {"customer": {"id": 5}}
    )

    poison = await connected.client.post("/webhooks/shopify", headers=headers, content=body)
    behind = await connected.client.post(
        "/webhooks/shopify", headers=good_headers, content=good_body
    )
    await finish_jobs(connected.app)

    assert poison.status_code == behind.status_code == 200
    parked, handled = await events(pg_engine)
    assert parked.status is EventStatus.FAILED
    assert parked.attempts == connected.settings.job_max_tries
    assert parked.last_error is not None
    assert parked.last_error.startswith("JSONDecodeError")
    assert handled.status is EventStatus.HANDLED  # the poison blocked nothing behind it


async def test_deliveries_while_redis_is_down_are_all_handled_once_it_is_back(
    pg_engine: AsyncEngine,
) -> None:
    await empty_all_tables(pg_engine)
    redis_down = connection_settings().model_copy(update={"redis_url": UNREACHABLE_REDIS_URL})
    deliveries = [
        shopify_delivery(SHOP, "orders/create", {**payload("shopify_order"), "id": 9000 + n})
        for n in range(10)
    ]
    async with running_app(redis_down, registry) as (app, client):
        connected = Connected(app, client, redis_down, FakeShopify(), FakeWooCommerce())
        await install(connected, SHOP)
        answers = [
            await client.post("/webhooks/shopify", headers=headers, content=body)
            for headers, body in [*deliveries, deliveries[0]]  # and one redelivered by Shopify
        ]
    # Each was stored and committed, though its job could not be sent.
    assert [a.json()["status"] for a in answers] == ["accepted"] * 10 + ["duplicate"]
    assert {e.status for e in await events(pg_engine)} == {EventStatus.PENDING}

    # Minutes later, with the queue back (here: the embedded runner), the sweep finds them.
    async with pg_engine.begin() as connection:
        old = utcnow() - timedelta(minutes=5)
        await connection.execute(update(WebhookEvent).values(received_at=old))
    topics = webhook_topics()
    async with open_runtime(
        connection_settings(), registry, run_cron=False, webhook_topics=topics
    ) as runtime:
        assert isinstance(runtime.jobs, EmbeddedJobRunner)
        await runtime.jobs.send(redeliver.job())
        await runtime.jobs.drain()

    handled = await events(pg_engine)
    assert len(handled) == 10
    assert {(e.status, e.attempts) for e in handled} == {(EventStatus.HANDLED, 1)}
    assert await count_rows(pg_engine, "orders") == 10  # every one counted, none twice
    await empty_all_tables(pg_engine)


async def test_an_unreadable_event_in_another_events_burst_is_parked_by_that_burst(
    pg_engine: AsyncEngine,
) -> None:
    """Its own job may have run already and skipped it while the burst held it: left pending,
    it waited minutes for the redelivery sweep (the malformed-deliveries test found one)."""
    await empty_all_tables(pg_engine)
    redis_down = connection_settings().model_copy(update={"redis_url": UNREACHABLE_REDIS_URL})
    good = shopify_delivery(SHOP, "orders/create", {**payload("shopify_order"), "id": 9100})
    no_id = {key: value for key, value in payload("shopify_order").items() if key != "id"}
    unreadable = shopify_delivery(SHOP, "orders/create", no_id)
    async with running_app(redis_down, registry) as (app, client):  # stored, no job sent
        connected = Connected(app, client, redis_down, FakeShopify(), FakeWooCommerce())
        await install(connected, SHOP)
        for headers, body in (good, unreadable):
            assert (
                await client.post("/webhooks/shopify", headers=headers, content=body)
            ).is_success
    first, second = await events(pg_engine)

    async with open_runtime(
        connection_settings(), registry, run_cron=False, webhook_topics=webhook_topics()
    ) as runtime:
        assert isinstance(runtime.jobs, EmbeddedJobRunner)
        await runtime.jobs.send(process_job(first.id or 0))  # the good one's job only
        await runtime.jobs.drain()

    handled, parked = await events(pg_engine)
    assert (handled.status, parked.status) == (EventStatus.HANDLED, EventStatus.FAILED)
    assert parked.attempts == 1
    assert parked.last_error == "NormalisationError: payload has no id"
    await empty_all_tables(pg_engine)
