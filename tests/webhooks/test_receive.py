"""Receiving webhooks: verify, store once, answer (in embedded mode: and enqueue) — nothing more
in the request."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from app.crypto import Vault
from app.integrations.platforms import Platform
from app.shops import repository
from app.shops.models import Shop, ShopStatus
from app.tasks import registry
from app.webhooks.models import EventStatus, WebhookEvent
from tests.fixtures.app import finish_jobs, running_app
from tests.fixtures.database import empty_all_tables
from tests.fixtures.platforms import API_SECRET, FakeShopify, FakeWooCommerce
from tests.fixtures.settings import REDIS_URL
from tests.fixtures.stores import Connected, connection_settings
from tests.fixtures.webhooks import shopify_delivery, sign, woocommerce_delivery
from tests.shops.helpers import count_rows
from tests.webhooks.helpers import WOO_SECRET, install

SHOP = "inbox-shop.myshopify.com"
STORE = "https://store.example"


async def stored_events(connected: Connected) -> list[WebhookEvent]:
    async with connected.app.state.runtime.transaction() as session:
        return list((await session.exec(select(WebhookEvent))).all())


async def test_signed_delivery_is_stored_and_processed(connected: Connected) -> None:
    shop = await install(connected, SHOP)
    connected.shopify.shop(SHOP).revoked = True  # as Shopify does when the app is removed
    headers, body = shopify_delivery(SHOP, "app/uninstalled", {"id": 548380009, "name": "Shop"})

    response = await connected.client.post("/webhooks/shopify", headers=headers, content=body)
    await finish_jobs(connected.app)

    assert response.status_code == 200
    assert response.json() == {"status": "accepted"}
    [stored] = await stored_events(connected)
    assert (stored.shop_id, stored.topic, stored.status) == (
        shop.id,
        "app/uninstalled",
        EventStatus.HANDLED,
    )
    assert stored.payload.encode() == body
    assert stored.delivery_id == headers["X-Shopify-Webhook-Id"]
    assert stored.handled_at is not None
    async with connected.app.state.runtime.transaction() as session:
        uninstalled = await repository.get_shop(session, shop.id or 0)
    assert uninstalled is not None
    assert uninstalled.status is ShopStatus.UNINSTALLED
    assert uninstalled.credentials_ciphertext is None


@pytest.mark.parametrize("fault", ["wrong_secret", "no_signature", "tampered_body", "unknown_shop"])
async def test_unverified_delivery_is_401_and_stores_nothing(
    connected: Connected, pg_engine: AsyncEngine, fault: str
) -> None:
    await install(connected, SHOP)
    shop = "stranger.myshopify.com" if fault == "unknown_shop" else SHOP
    secret = "wrong-secret" if fault == "wrong_secret" else API_SECRET
    headers, body = shopify_delivery(shop, "app/uninstalled", {"id": 1}, secret=secret)
    if fault == "no_signature":
        del headers["X-Shopify-Hmac-Sha256"]
    if fault == "tampered_body":
        body = body.replace(b'"id": 1', b'"id": 2')

    response = await connected.client.post("/webhooks/shopify", headers=headers, content=body)

    assert response.status_code == 401
    assert await count_rows(pg_engine, "webhook_events") == 0


async def test_duplicate_deliveries_make_one_row_and_one_run(connected: Connected) -> None:
    await install(connected, SHOP)
    headers, body = shopify_delivery(SHOP, "app/uninstalled", {"id": 1}, webhook_id="same-delivery")

    responses = await asyncio.gather(
        *(
            connected.client.post("/webhooks/shopify", headers=headers, content=body)
            for _ in range(10)
        )
    )
    await finish_jobs(connected.app)

    assert sorted(r.json()["status"] for r in responses) == ["accepted"] + ["duplicate"] * 9
    [stored] = await stored_events(connected)
    assert stored.attempts == 1


async def test_topic_we_do_not_use_is_stored_as_ignored(connected: Connected) -> None:
    await install(connected, SHOP)
    headers, body = shopify_delivery(SHOP, "products/update", {"id": 1})
    response = await connected.client.post("/webhooks/shopify", headers=headers, content=body)
    assert response.json() == {"status": "ignored"}
    [stored] = await stored_events(connected)
    assert stored.status is EventStatus.IGNORED


async def test_body_over_5_mb_is_413(connected: Connected, pg_engine: AsyncEngine) -> None:
    await install(connected, SHOP)
    headers, body = shopify_delivery(SHOP, "app/uninstalled", {"padding": "x" * (5 * 1024 * 1024)})
    response = await connected.client.post("/webhooks/shopify", headers=headers, content=body)
    assert response.status_code == 413
    assert await count_rows(pg_engine, "webhook_events") == 0


async def test_woocommerce_ping_is_answered_and_not_stored(
    connected: Connected, pg_engine: AsyncEngine
) -> None:
    response = await connected.client.post(
        "/webhooks/woocommerce",
        content=b"webhook_id=7",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert await count_rows(pg_engine, "webhook_events") == 0


async def test_woocommerce_delivery_is_verified_with_the_shops_secret(connected: Connected) -> None:
    await install(connected, STORE, Platform.WOOCOMMERCE)
    headers, body = woocommerce_delivery(STORE, "order.created", {"id": 727}, secret=WOO_SECRET)
    forged_headers, _ = woocommerce_delivery(STORE, "order.created", {"id": 727}, secret="guess")

    accepted = await connected.client.post("/webhooks/woocommerce", headers=headers, content=body)
    forged = await connected.client.post(
        "/webhooks/woocommerce", headers=forged_headers, content=body
    )

    assert accepted.status_code == 200
    assert forged.status_code == 401
    [stored] = await stored_events(connected)
    assert stored.delivery_id == headers["X-WC-Webhook-Delivery-ID"]


async def test_acknowledgement_is_one_insert_and_no_processing(
    pg_engine: AsyncEngine, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With arq workers on PostgreSQL the request stores the row and that is all: the workers'
    # dispatcher finds it (tests/webhooks/test_dispatcher.py).
    await empty_all_tables(pg_engine)
    settings = connection_settings().model_copy(update={"redis_url": REDIS_URL})
    async with running_app(settings, registry) as (app, client):
        connected = Connected(app, client, settings, FakeShopify(), FakeWooCommerce())
        await install(connected, SHOP)
        headers, body = shopify_delivery(SHOP, "app/uninstalled", {"id": 1})
        statements: list[str] = []
        engine = app.state.runtime.engine.sync_engine
        raw_statements: list[str] = []
        fetch = asyncpg.Connection.fetch

        def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
            statements.append(" ".join(statement.split()))

        async def record_raw(
            connection: asyncpg.Connection, statement: str, *args: object
        ) -> object:
            raw_statements.append(statement)
            return await fetch(connection, statement, *args)

        monkeypatch.setattr(asyncpg.Connection, "fetch", record_raw)  # watched, still run
        event.listen(engine, "before_cursor_execute", record)
        try:
            response = await client.post("/webhooks/shopify", headers=headers, content=body)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        [stored] = await stored_events(connected)
    await empty_all_tables(pg_engine)

    assert response.status_code == 200
    assert all(s.startswith(("SELECT", "BEGIN", "COMMIT", "ROLLBACK")) for s in statements)
    assert all("FROM shops" in s for s in statements if s.startswith("SELECT"))  # the sender
    [insert] = raw_statements  # one prepared statement on the raw pool, in autocommit
    assert insert.startswith("INSERT INTO webhook_events")
    assert "unnest(" in insert  # the group insert's: one statement for rows arriving together
    assert "ON CONFLICT (shop_id, delivery_id) DO NOTHING" in insert
    assert stored.status is EventStatus.PENDING  # not processed in the request...
    assert await redis.keys("arq:*") == []  # ...nor a job queued: the dispatcher reads the inbox


async def test_signed_body_that_is_not_text_is_400(
    connected: Connected, pg_engine: AsyncEngine
) -> None:
    await install(connected, SHOP)
    headers, _ = shopify_delivery(SHOP, "orders/create", {})
    body = b"\xff\xfe not utf-8"
    headers["X-Shopify-Hmac-Sha256"] = sign(API_SECRET, body)
    response = await connected.client.post("/webhooks/shopify", headers=headers, content=body)
    assert response.status_code == 400
    assert await count_rows(pg_engine, "webhook_events") == 0


async def test_a_shops_new_secret_is_taken_at_once_and_the_old_one_refused(
    connected: Connected,
) -> None:
    """The acknowledgement path keeps senders in memory; a signature its cached secret does
    not match makes it read the shop again before refusing."""
    shop = await install(connected, STORE, Platform.WOOCOMMERCE)
    first = woocommerce_delivery(STORE, "order.created", {"id": 1}, secret=WOO_SECRET)
    assert (await post_woo(connected, *first)).status_code == 200  # now cached

    runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        stored = await session.get(Shop, shop.id)
        assert stored is not None
        stored.webhook_secret_ciphertext = Vault.from_settings(runtime.settings).encrypt("new")
    renewed = woocommerce_delivery(STORE, "order.created", {"id": 2}, secret="new")
    stale = woocommerce_delivery(STORE, "order.created", {"id": 3}, secret=WOO_SECRET)

    assert (await post_woo(connected, *renewed)).status_code == 200
    assert (await post_woo(connected, *stale)).status_code == 401
    assert len(await stored_events(connected)) == 2


async def test_an_overlong_delivery_id_is_400_and_stores_nothing(connected: Connected) -> None:
    await install(connected, SHOP)
    headers, body = shopify_delivery(SHOP, "orders/create", {"id": 1}, webhook_id="x" * 256)

    response = await connected.client.post("/webhooks/shopify", headers=headers, content=body)

    assert response.status_code == 400
    assert await stored_events(connected) == []


async def post_woo(connected: Connected, headers: dict[str, str], body: bytes) -> httpx.Response:
    return await connected.client.post("/webhooks/woocommerce", headers=headers, content=body)
