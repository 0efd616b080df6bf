"""The WooCommerce connect flow as an attacker plays it, with only the public endpoints: no
session for someone else's shop, nothing of an active shop changed, no replay of the return."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from app.auth.cookies import SESSION_COOKIE
from app.auth.woocommerce_connect import CONNECT_COOKIE
from app.db import utcnow
from app.integrations.platforms import Platform
from app.shops.login_links import create_login_link
from app.shops.models import AuthNonce, Shop, ShopStatus
from tests.fixtures.app import finish_jobs
from tests.fixtures.objects import create_shop
from tests.fixtures.stores import PUBLIC_URL, WOO_STORE, Connected
from tests.shops.helpers import count_rows
from tests.shops.woo_connect import (
    another_browser,
    come_back,
    connect_and_sign_in,
    connect_cookie,
    key_delivery,
    made_up_delivery,
    start_connect,
    stored_nonce,
    stored_shop,
)

MADE_UP_KEY = "ck_" + "0" * 40
MADE_UP_SECRET = "cs_" + "0" * 40


@dataclass(frozen=True)
class Connection:
    """What an attacker would want to change about a connected shop."""

    credentials_ciphertext: str | None
    webhook_secret_ciphertext: str | None
    status: ShopStatus
    scopes: str


def connection_of(shop: Shop) -> Connection:
    return Connection(
        shop.credentials_ciphertext, shop.webhook_secret_ciphertext, shop.status, shop.scopes
    )


async def assert_signed_out(browser: httpx.AsyncClient, answer: httpx.Response) -> None:
    assert answer.status_code == 400
    assert SESSION_COOKIE not in answer.cookies
    assert (await browser.get("/api/v1/shop")).status_code == 401


async def test_connect_for_a_connected_store_without_its_session_is_refused(
    connected: Connected, pg_engine: AsyncEngine
) -> None:
    victim = await connect_and_sign_in(connected, connected.client)
    nonces_before = await count_rows(pg_engine, "auth_nonces")

    async with another_browser(connected.app) as attacker:
        response = await attacker.get("/auth/woocommerce/connect", params={"store_url": WOO_STORE})
        assert connect_cookie(attacker) is None

    assert response.status_code == 409
    message = response.json()["error"]["message"]
    assert "already connected" in message
    assert "sign in to that store's StoreOKR admin" in message
    assert "location" not in response.headers
    assert await count_rows(pg_engine, "auth_nonces") == nonces_before
    assert connection_of(await stored_shop(connected)) == connection_of(victim)


async def test_takeover_with_a_nonce_from_before_the_shop_connected_gives_nothing(
    connected: Connected,
) -> None:
    """The attacker starts a connection while the store is not connected yet, and uses it
    once the merchant has connected: made-up keys, then the return."""
    async with another_browser(connected.app) as attacker:
        user_id = await start_connect(attacker)
        victim = await connect_and_sign_in(connected, connected.client)

        delivered = await attacker.post(
            "/auth/woocommerce/callback",
            json=made_up_delivery(user_id, MADE_UP_KEY, MADE_UP_SECRET),
        )
        await finish_jobs(connected.app)
        back = await come_back(attacker, user_id)

        assert delivered.status_code == 400
        assert "did not accept the API keys" in delivered.json()["error"]["message"]
        assert MADE_UP_KEY not in delivered.text
        await assert_signed_out(attacker, back)
    after = await stored_shop(connected)
    assert connection_of(after) == connection_of(victim)
    assert after.status is ShopStatus.ACTIVE  # not disconnected by keys the store refused


async def test_valid_keys_for_a_connection_the_shop_did_not_start_change_nothing(
    connected: Connected,
) -> None:
    """Even the store's own keys do not replace an active shop's through a connection that
    was started by someone else (here: before the shop connected, in another browser)."""
    async with another_browser(connected.app) as attacker:
        user_id = await start_connect(attacker)
        victim = await connect_and_sign_in(connected, connected.client)

        delivered = await attacker.post(
            "/auth/woocommerce/callback", json=key_delivery(connected, user_id)
        )
        await finish_jobs(connected.app)

        assert delivered.status_code == 409
        await assert_signed_out(attacker, await come_back(attacker, user_id))
    assert connection_of(await stored_shop(connected)) == connection_of(victim)
    assert (await stored_nonce(connected, user_id)).used_at is None  # nothing was kept


async def test_connect_signed_in_as_another_shop_is_refused(connected: Connected) -> None:
    victim = await connect_and_sign_in(connected, connected.client)
    async with connected.app.state.runtime.transaction() as session:
        other = await create_shop(
            session, platform=Platform.WOOCOMMERCE, domain="https://other.example"
        )
        link = await create_login_link(session, connected.settings, other)

    async with another_browser(connected.app) as attacker:
        signed_in = await attacker.get(link.removeprefix(PUBLIC_URL))
        assert SESSION_COOKIE in signed_in.cookies
        response = await attacker.get("/auth/woocommerce/connect", params={"store_url": WOO_STORE})

    assert response.status_code == 409
    assert connection_of(await stored_shop(connected)) == connection_of(victim)


async def test_made_up_keys_for_a_new_store_create_no_shop(
    connected: Connected, pg_engine: AsyncEngine
) -> None:
    user_id = await start_connect(connected.client)

    refused = await connected.client.post(
        "/auth/woocommerce/callback", json=made_up_delivery(user_id, MADE_UP_KEY, MADE_UP_SECRET)
    )
    await finish_jobs(connected.app)

    assert refused.status_code == 400
    assert await count_rows(pg_engine, "shops") == 0
    await assert_signed_out(connected.client, await come_back(connected.client, user_id))
    # The refusal used nothing up: the store's own delivery still connects it.
    delivered = await connected.client.post(
        "/auth/woocommerce/callback", json=key_delivery(connected, user_id)
    )
    assert delivered.status_code == 200
    assert await count_rows(pg_engine, "shops") == 1


async def test_the_return_cannot_be_replayed(connected: Connected) -> None:
    user_id = await start_connect(connected.client)
    browser_value = connect_cookie(connected.client)
    assert browser_value is not None
    await connected.client.post("/auth/woocommerce/callback", json=key_delivery(connected, user_id))
    assert (await come_back(connected.client, user_id)).status_code == 303

    async with another_browser(connected.app) as replayer:
        replayer.cookies.set(CONNECT_COOKIE, browser_value, path="/auth/woocommerce")
        await assert_signed_out(replayer, await come_back(replayer, user_id))


async def test_a_cookie_set_by_hand_to_the_nonce_signs_nothing_in(connected: Connected) -> None:
    user_id = await start_connect(connected.client)
    await connected.client.post("/auth/woocommerce/callback", json=key_delivery(connected, user_id))

    async with another_browser(connected.app) as attacker:
        attacker.cookies.set(CONNECT_COOKIE, user_id, path="/auth/woocommerce")
        await assert_signed_out(attacker, await come_back(attacker, user_id))
    # The browser that started it still can.
    assert (await come_back(connected.client, user_id)).status_code == 303


async def test_an_expired_return_signs_nothing_in(
    connected: Connected, pg_engine: AsyncEngine
) -> None:
    user_id = await start_connect(connected.client)
    await connected.client.post("/auth/woocommerce/callback", json=key_delivery(connected, user_id))
    async with pg_engine.begin() as connection:
        await connection.execute(update(AuthNonce).values(expires_at=utcnow()))

    await assert_signed_out(connected.client, await come_back(connected.client, user_id))


@pytest.mark.parametrize(
    "oversized",
    [{"key_id": 2**64}, {"key_id": 0}, {"consumer_key": "ck_" + "0" * 200}, {"user_id": "u" * 500}],
    ids=["key id beyond 64 bits", "key id zero", "a key of 200 digits", "a user id of 500"],
)
async def test_a_key_delivery_out_of_bounds_is_422_and_connects_nothing(
    connected: Connected, pg_engine: AsyncEngine, oversized: dict[str, object]
) -> None:
    user_id = await start_connect(connected.client)

    refused = await connected.client.post(
        "/auth/woocommerce/callback", json={**key_delivery(connected, user_id), **oversized}
    )

    assert refused.status_code == 422
    assert await count_rows(pg_engine, "shops") == 0
