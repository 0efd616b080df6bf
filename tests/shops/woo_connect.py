"""The steps of WooCommerce's key exchange as a browser and the store take them, for tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from sqlmodel import select

from app.auth.cookies import SESSION_COOKIE
from app.auth.woocommerce_connect import CONNECT_COOKIE
from app.integrations.platforms import Platform
from app.shops.models import AuthNonce, Shop
from app.shops.repository import nonce_digest
from tests.fixtures.app import finish_jobs, own_task
from tests.fixtures.stores import WOO_STORE, Connected
from tests.shops.helpers import query_param


async def start_connect(client: httpx.AsyncClient, store_url: str = WOO_STORE + "/") -> str:
    """Ask to connect the store; the `user_id` (nonce) in the address we are sent to."""
    response = await client.get("/auth/woocommerce/connect", params={"store_url": store_url})
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(f"{WOO_STORE}/wc-auth/v1/authorize?")
    return query_param(location, "user_id")


def key_delivery(connected: Connected, user_id: str) -> dict[str, object]:
    """What WooCommerce POSTs to the callback (its REST docs' shape), with the store's keys."""
    woo = connected.woocommerce
    return made_up_delivery(user_id, woo.consumer_key, woo.consumer_secret)


def made_up_delivery(user_id: str, consumer_key: str, consumer_secret: str) -> dict[str, object]:
    return {
        "key_id": 1,
        "user_id": user_id,
        "consumer_key": consumer_key,
        "consumer_secret": consumer_secret,
        "key_permissions": "read_write",
    }


async def come_back(client: httpx.AsyncClient, user_id: str) -> httpx.Response:
    """The browser sent back by wp-admin after approving."""
    return await client.get("/auth/woocommerce/return", params={"success": "1", "user_id": user_id})


async def connect_and_sign_in(connected: Connected, client: httpx.AsyncClient) -> Shop:
    """The whole legitimate flow in `client`'s browser: connect, keys, jobs, return."""
    user_id = await start_connect(client)
    delivered = await connected.client.post(
        "/auth/woocommerce/callback", json=key_delivery(connected, user_id)
    )
    assert delivered.status_code == 200, delivered.text
    await finish_jobs(connected.app)
    back = await come_back(client, user_id)
    assert back.status_code == 303, back.text
    assert SESSION_COOKIE in back.cookies
    return await stored_shop(connected)


async def stored_shop(connected: Connected, domain: str = WOO_STORE) -> Shop:
    async with connected.app.state.runtime.transaction() as session:
        statement = select(Shop).where(Shop.platform == Platform.WOOCOMMERCE, Shop.domain == domain)
        shop: Shop = (await session.exec(statement)).one()
        session.expunge(shop)
    return shop


async def stored_nonce(connected: Connected, user_id: str) -> AuthNonce:
    async with connected.app.state.runtime.transaction() as session:
        statement = select(AuthNonce).where(AuthNonce.digest == nonce_digest(user_id))
        nonce: AuthNonce = (await session.exec(statement)).one()
        session.expunge(nonce)
    return nonce


def connect_cookie(client: httpx.AsyncClient) -> str | None:
    return client.cookies.get(CONNECT_COOKIE, path="/auth/woocommerce")


@asynccontextmanager
async def another_browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser on the same running app, with cookies of its own."""
    transport = httpx.ASGITransport(app=own_task(app), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://storeokr.test") as client:
        yield client
