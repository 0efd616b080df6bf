"""Connecting a WooCommerce store by its REST key exchange, and the cookie session after."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from app.auth.cookies import SESSION_COOKIE
from app.crypto import Vault
from app.integrations.platforms import Platform
from app.shops import service
from app.shops.models import Shop, ShopStatus
from tests.fixtures.app import finish_jobs
from tests.fixtures.stores import WOO_STORE, Connected
from tests.shops.helpers import all_stored_text, count_rows, query_param
from tests.shops.woo_connect import (
    come_back,
    connect_and_sign_in,
    connect_cookie,
    key_delivery,
    start_connect,
    stored_nonce,
    stored_shop,
)


async def test_connect_sends_the_merchant_to_approve_access(connected: Connected) -> None:
    response = await connected.client.get(
        "/auth/woocommerce/connect", params={"store_url": WOO_STORE + "/"}
    )

    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(f"{WOO_STORE}/wc-auth/v1/authorize?")
    assert query_param(location, "scope") == "read_write"
    assert (
        query_param(location, "callback_url") == "https://storeokr.test/auth/woocommerce/callback"
    )
    assert query_param(location, "return_url") == "https://storeokr.test/auth/woocommerce/return"


async def test_key_exchange_creates_an_active_connected_shop(
    connected: Connected, pg_engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user_id = await start_connect(connected.client)

    response = await connected.client.post(
        "/auth/woocommerce/callback", json=key_delivery(connected, user_id)
    )
    await finish_jobs(connected.app)

    assert response.status_code == 200  # exactly 200, or WooCommerce deletes the key
    async with connected.app.state.runtime.transaction() as session:
        [shop] = (await session.exec(select(Shop))).all()
    assert (shop.platform, shop.domain, shop.status) == (
        Platform.WOOCOMMERCE,
        WOO_STORE,
        ShopStatus.ACTIVE,
    )
    assert (shop.name, shop.currency, shop.timezone) == ("The Tea Store", "GBP", "Europe/London")
    hooks = connected.woocommerce.webhooks
    assert {hook["topic"] for hook in hooks} >= {
        "order.created",
        "order.updated",
        "customer.updated",
    }
    assert {hook["delivery_url"] for hook in hooks} == {
        "https://storeokr.test/webhooks/woocommerce"
    }
    secret = hooks[0]["secret"]
    assert len(secret) >= 32
    assert all(hook["secret"] == secret for hook in hooks)
    stored = await all_stored_text(pg_engine)
    for raw in (connected.woocommerce.consumer_key, connected.woocommerce.consumer_secret, secret):
        assert raw not in stored
        assert raw not in caplog.text
        assert raw not in response.text


@pytest.mark.parametrize("nonce", ["unknown", "reused"])
async def test_callback_with_an_unknown_or_reused_nonce_is_400(
    connected: Connected, pg_engine: AsyncEngine, nonce: str
) -> None:
    user_id = await start_connect(connected.client)
    if nonce == "reused":
        first = await connected.client.post(
            "/auth/woocommerce/callback", json=key_delivery(connected, user_id)
        )
        assert first.status_code == 200
        await finish_jobs(connected.app)
    shops_before = await count_rows(pg_engine, "shops")
    stored_before = await all_stored_text(pg_engine)
    sent = user_id if nonce == "reused" else "not-a-nonce-we-issued"

    response = await connected.client.post(
        "/auth/woocommerce/callback", json=key_delivery(connected, sent)
    )

    assert response.status_code == 400
    assert await count_rows(pg_engine, "shops") == shops_before
    assert await all_stored_text(pg_engine) == stored_before


async def test_return_signs_in_the_browser_that_started(connected: Connected) -> None:
    user_id = await start_connect(connected.client)
    await connected.client.post("/auth/woocommerce/callback", json=key_delivery(connected, user_id))
    await finish_jobs(connected.app)
    # The browser is bound by a value of its own, not by the nonce that travels in URLs.
    browser_value = connect_cookie(connected.client)
    assert browser_value
    assert browser_value != user_id
    assert browser_value not in (await stored_nonce(connected, user_id)).model_dump_json()

    response = await come_back(connected.client, user_id)

    assert response.status_code == 303
    assert SESSION_COOKIE in response.cookies
    assert connect_cookie(connected.client) is None  # its work is done
    shop = await connected.client.get("/api/v1/shop")
    assert shop.status_code == 200
    assert shop.json()["domain"] == WOO_STORE


async def test_return_from_another_browser_is_refused(connected: Connected) -> None:
    user_id = await start_connect(connected.client)
    await connected.client.post("/auth/woocommerce/callback", json=key_delivery(connected, user_id))
    connected.client.cookies.clear()

    response = await connected.client.get(
        "/auth/woocommerce/return", params={"success": "1", "user_id": user_id}
    )

    assert response.status_code == 400
    assert SESSION_COOKIE not in response.cookies


async def test_denied_access_is_explained(connected: Connected) -> None:
    user_id = await start_connect(connected.client)
    response = await connected.client.get(
        "/auth/woocommerce/return", params={"success": "0", "user_id": user_id}
    )
    assert response.status_code == 400
    assert "did not grant access" in response.json()["error"]["message"]


async def test_connect_refuses_what_is_not_a_store_url(connected: Connected) -> None:
    response = await connected.client.get(
        "/auth/woocommerce/connect", params={"store_url": "javascript:alert(1)"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize("site", ["not wordpress", "wordpress without woocommerce"])
async def test_connect_refuses_an_address_that_is_not_a_woocommerce_store(
    connected: Connected, pg_engine: AsyncEngine, site: str
) -> None:
    if site == "not wordpress":
        address = "https://blog.example"  # answers /wp-json/ with 404
    else:
        address = WOO_STORE
        connected.woocommerce.namespaces = ["wp/v2", "oembed/1.0"]

    response = await connected.client.get(
        "/auth/woocommerce/connect", params={"store_url": address}
    )

    assert response.status_code == 400
    assert "not a WooCommerce store" in response.json()["error"]["message"]
    assert "location" not in response.headers
    assert connect_cookie(connected.client) is None
    assert await count_rows(pg_engine, "auth_nonces") == 0


async def test_connect_reads_the_store_index_without_credentials(connected: Connected) -> None:
    await start_connect(connected.client)

    [probe] = connected.woocommerce.requests
    assert probe.url.path == "/wp-json/"
    assert "Authorization" not in probe.headers
    assert "oauth_consumer_key" not in str(probe.url)


async def test_an_uninstalled_shop_is_reinstalled_with_its_data(connected: Connected) -> None:
    shop = await connect_and_sign_in(connected, connected.client)
    async with connected.app.state.runtime.transaction() as session:
        stored = await session.get(Shop, shop.id)
        assert stored is not None
        await service.mark_uninstalled(session, stored)
    connected.client.cookies.clear()

    user_id = await start_connect(connected.client)  # no session needed: it is not active
    delivered = await connected.client.post(
        "/auth/woocommerce/callback", json=key_delivery(connected, user_id)
    )
    await finish_jobs(connected.app)

    assert delivered.status_code == 200
    again = await stored_shop(connected)
    assert (again.id, again.status) == (shop.id, ShopStatus.ACTIVE)
    # The store's webhooks were signed with this secret: it stays.
    assert again.webhook_secret_ciphertext == shop.webhook_secret_ciphertext
    assert (await come_back(connected.client, user_id)).status_code == 303


async def test_a_shop_reconnects_from_its_own_session(connected: Connected) -> None:
    shop = await connect_and_sign_in(connected, connected.client)
    woo = connected.woocommerce
    woo.consumer_key, woo.consumer_secret = "ck_" + "1" * 40, "cs_" + "2" * 40  # keys renewed

    user_id = await start_connect(connected.client)
    assert (await stored_nonce(connected, user_id)).shop_id == shop.id
    delivered = await connected.client.post(
        "/auth/woocommerce/callback", json=key_delivery(connected, user_id)
    )
    await finish_jobs(connected.app)
    back = await come_back(connected.client, user_id)

    assert (delivered.status_code, back.status_code) == (200, 303)
    assert SESSION_COOKIE in back.cookies
    again = await stored_shop(connected)
    assert (again.id, again.status) == (shop.id, ShopStatus.ACTIVE)
    assert again.credentials_ciphertext != shop.credentials_ciphertext
    assert again.webhook_secret_ciphertext == shop.webhook_secret_ciphertext
    vault = Vault.from_settings(connected.settings)
    assert again.credentials_ciphertext is not None
    assert woo.consumer_key in vault.decrypt(again.credentials_ciphertext)
