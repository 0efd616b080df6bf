"""Installing on Shopify: the authorization-code grant and embedded token exchange."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from app.shops.models import AuthNonce, Shop, ShopStatus
from app.shops.tasks import connect
from tests.fixtures.app import finish_jobs
from tests.fixtures.platforms import session_token
from tests.fixtures.stores import Connected
from tests.fixtures.webhooks import shopify_delivery
from tests.shops.helpers import all_stored_text, count_rows, query_param, signed_callback_query

SHOP = "blue-bottle.myshopify.com"


async def start_install(connected: Connected, shop: str = SHOP) -> str:
    response = await connected.client.get("/auth/shopify/install", params={"shop": shop})
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(f"https://{shop}/admin/oauth/authorize?")
    assert query_param(location, "redirect_uri") == "https://storeokr.test/auth/shopify/callback"
    return query_param(location, "state")


async def stored_shops(connected: Connected) -> list[Shop]:
    async with connected.app.state.runtime.transaction() as session:
        return list((await session.exec(select(Shop))).all())


async def test_code_flow_creates_an_active_connected_shop(
    connected: Connected, pg_engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    state = await start_install(connected)

    response = await connected.client.get(
        f"/auth/shopify/callback?{signed_callback_query(SHOP, state)}"
    )
    await finish_jobs(connected.app)

    assert response.status_code == 303
    assert response.headers["location"] == f"https://{SHOP}/admin/apps/test-api-key"
    [shop] = await stored_shops(connected)
    assert (shop.domain, shop.status) == (SHOP, ShopStatus.ACTIVE)
    assert (shop.name, shop.currency, shop.timezone) == (
        "Blue Bottle Goods",
        "EUR",
        "Europe/Berlin",
    )
    assert "read_orders" in shop.scopes.split(",")
    subscribed = {s["topic"] for s in connected.shopify.shop(SHOP).subscriptions}
    assert {"ORDERS_CREATE", "REFUNDS_CREATE", "CHECKOUTS_UPDATE", "APP_UNINSTALLED"} <= subscribed
    assert {s["uri"] for s in connected.shopify.shop(SHOP).subscriptions} == {
        "https://storeokr.test/webhooks/shopify"
    }
    [exchange] = connected.shopify.token_requests
    assert exchange["code"] == "auth-code-1"
    assert exchange["expiring"] == "1"
    # The token Shopify issued is in no column, log line or API answer.
    token = connected.shopify.issued_tokens[0]
    assert token not in await all_stored_text(pg_engine)
    assert token not in caplog.text
    assert token not in response.text


@pytest.mark.parametrize(
    "tamper",
    ["bad_hmac", "unknown_state", "evil_shop", "other_shops_state"],
)
async def test_bad_callback_is_400_and_stores_nothing(
    connected: Connected, pg_engine: AsyncEngine, tamper: str
) -> None:
    state = await start_install(connected)
    query = {
        "bad_hmac": signed_callback_query(SHOP, state, secret="not-the-secret"),
        "unknown_state": signed_callback_query(SHOP, "made-up-state"),
        "evil_shop": signed_callback_query("evil.com", state),
        "other_shops_state": signed_callback_query("other.myshopify.com", state),
    }[tamper]

    response = await connected.client.get(f"/auth/shopify/callback?{query}")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    assert await count_rows(pg_engine, "shops") == 0
    assert connected.shopify.token_requests == []
    async with connected.app.state.runtime.transaction() as session:
        [nonce] = (await session.exec(select(AuthNonce))).all()
        assert nonce.used_at is None  # still usable by the real callback


async def test_install_refuses_a_domain_that_is_not_a_shop(connected: Connected) -> None:
    response = await connected.client.get("/auth/shopify/install", params={"shop": "evil.com"})
    assert response.status_code == 400
    assert "myshopify.com" in response.json()["error"]["message"]


async def test_state_is_one_time(connected: Connected) -> None:
    state = await start_install(connected)
    query = signed_callback_query(SHOP, state)
    first = await connected.client.get(f"/auth/shopify/callback?{query}")
    replay = await connected.client.get(f"/auth/shopify/callback?{query}")
    assert first.status_code == 303
    assert replay.status_code == 400


async def test_embedded_request_installs_by_token_exchange(connected: Connected) -> None:
    token = session_token(SHOP)
    response = await connected.client.get(
        "/api/v1/shop", headers={"Authorization": f"Bearer {token}"}
    )
    await finish_jobs(connected.app)

    assert response.status_code == 200
    assert response.json()["domain"] == SHOP
    assert response.json()["status"] == "active"
    assert connected.shopify.issued_tokens[0] not in response.text
    [exchange] = connected.shopify.token_requests
    assert exchange["grant_type"] == "urn:ietf:params:oauth:grant-type:token-exchange"
    assert exchange["subject_token"] == token
    assert (
        exchange["requested_token_type"]
        == "urn:shopify:params:oauth:token-type:offline-access-token"
    )
    [shop] = await stored_shops(connected)
    assert shop.currency == "EUR"

    again = await connected.client.get(
        "/api/v1/shop", headers={"Authorization": f"Bearer {session_token(SHOP)}"}
    )
    assert again.status_code == 200
    assert len(connected.shopify.token_requests) == 1  # installed once, then recognised


async def test_store_refusing_our_token_uninstalls_the_shop(connected: Connected) -> None:
    await connected.client.get(
        "/api/v1/shop", headers={"Authorization": f"Bearer {session_token(SHOP)}"}
    )
    await finish_jobs(connected.app)
    connected.shopify.shop(SHOP).revoked = True
    [shop] = await stored_shops(connected)

    runtime = connected.app.state.runtime
    await runtime.jobs.send(connect.job(shop.id or 0))
    await finish_jobs(connected.app)

    [shop] = await stored_shops(connected)
    assert shop.status is ShopStatus.UNINSTALLED
    assert shop.credentials_ciphertext is None
    assert shop.uninstalled_at is not None


async def test_reinstall_brings_the_same_shop_back(connected: Connected) -> None:
    auth = {"Authorization": f"Bearer {session_token(SHOP)}"}
    first = (await connected.client.get("/api/v1/shop", headers=auth)).json()
    await finish_jobs(connected.app)
    connected.shopify.shop(SHOP).revoked = True  # as Shopify does when the app is removed
    headers, body = shopify_delivery(SHOP, "app/uninstalled", {"id": 1})
    await connected.client.post("/webhooks/shopify", headers=headers, content=body)
    await finish_jobs(connected.app)
    [gone] = await stored_shops(connected)
    assert gone.status is ShopStatus.UNINSTALLED
    connected.shopify.shop(SHOP).revoked = False  # the merchant installs the app again

    again = await connected.client.get(
        "/api/v1/shop", headers={"Authorization": f"Bearer {session_token(SHOP)}"}
    )

    assert again.status_code == 200
    assert again.json()["id"] == first["id"]  # same row: its OKRs and history come back
    assert again.json()["status"] == "active"
    assert len(connected.shopify.token_requests) == 2
