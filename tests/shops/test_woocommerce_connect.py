"""Connecting a WooCommerce store by its REST key exchange, and the cookie session after."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from app.auth.cookies import SESSION_COOKIE
from app.integrations.woocommerce.endpoints import CONNECT_COOKIE
from app.shops.models import Platform, Shop, ShopStatus
from tests.fixtures.app import finish_jobs
from tests.fixtures.stores import WOO_STORE, Connected
from tests.shops.helpers import all_stored_text, count_rows, query_param


async def start_connect(connected: Connected) -> str:
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
    return query_param(location, "user_id")


def key_delivery(connected: Connected, user_id: str) -> dict[str, object]:
    """What WooCommerce POSTs to the callback (its REST docs' shape)."""
    woo = connected.woocommerce
    return {
        "key_id": 1,
        "user_id": user_id,
        "consumer_key": woo.consumer_key,
        "consumer_secret": woo.consumer_secret,
        "key_permissions": "read_write",
    }


async def test_key_exchange_creates_an_active_connected_shop(
    connected: Connected, pg_engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user_id = await start_connect(connected)

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
    user_id = await start_connect(connected)
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
    user_id = await start_connect(connected)
    await connected.client.post("/auth/woocommerce/callback", json=key_delivery(connected, user_id))
    await finish_jobs(connected.app)
    assert connected.client.cookies.get(CONNECT_COOKIE) == user_id

    response = await connected.client.get(
        "/auth/woocommerce/return", params={"success": "1", "user_id": user_id}
    )

    assert response.status_code == 303
    assert SESSION_COOKIE in response.cookies
    shop = await connected.client.get("/api/v1/shop")
    assert shop.status_code == 200
    assert shop.json()["domain"] == WOO_STORE


async def test_return_from_another_browser_is_refused(connected: Connected) -> None:
    user_id = await start_connect(connected)
    await connected.client.post("/auth/woocommerce/callback", json=key_delivery(connected, user_id))
    connected.client.cookies.clear()

    response = await connected.client.get(
        "/auth/woocommerce/return", params={"success": "1", "user_id": user_id}
    )

    assert response.status_code == 400
    assert SESSION_COOKIE not in response.cookies


async def test_denied_access_is_explained(connected: Connected) -> None:
    user_id = await start_connect(connected)
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
