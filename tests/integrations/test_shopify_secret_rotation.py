"""A Shopify client-secret rotation: while STOREOKR_SHOPIFY_OLD_API_SECRET holds the previous
secret, webhooks, install callbacks and session tokens signed with it are still accepted (with
the current one too); without it, they are not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from app.shops.models import Shop
from app.tasks import registry
from tests.fixtures.app import finish_jobs, running_app
from tests.fixtures.database import empty_all_tables
from tests.fixtures.payloads import payload
from tests.fixtures.platforms import (
    API_SECRET,
    FakeShopify,
    FakeWooCommerce,
    Platforms,
    session_token,
)
from tests.fixtures.stores import Connected, connection_settings
from tests.fixtures.webhooks import shopify_delivery
from tests.shops.helpers import count_rows, query_param, signed_callback_query
from tests.webhooks.helpers import install

SHOP = "rotating.myshopify.com"
OLD_SECRET = "the-app-secret-before-the-rotation-0123456789"
UNKNOWN_SECRET = "a-secret-shopify-never-gave-this-app-01234567"


@pytest.fixture
async def rotating(pg_engine: AsyncEngine) -> AsyncIterator[Connected]:
    """The app in the middle of a rotation: the current secret and the old one."""
    await empty_all_tables(pg_engine)
    shopify, woo = FakeShopify(), FakeWooCommerce()
    settings = connection_settings().model_copy(
        update={"shopify_old_api_secret": SecretStr(OLD_SECRET)}
    )
    platforms = Platforms(shopify, woo, "store.example").transport()
    async with running_app(settings, registry, platforms=platforms) as (app, client):
        yield Connected(app, client, settings, shopify, woo)
    await empty_all_tables(pg_engine)


async def deliver(connected: Connected, secret: str) -> int:
    headers, body = shopify_delivery(SHOP, "orders/create", payload("shopify_order"), secret=secret)
    answer = await connected.client.post("/webhooks/shopify", headers=headers, content=body)
    return answer.status_code


async def test_webhooks_signed_with_the_old_secret_are_stored_during_a_rotation(
    rotating: Connected, pg_engine: AsyncEngine
) -> None:
    await install(rotating, SHOP)

    statuses = [await deliver(rotating, secret) for secret in (OLD_SECRET, API_SECRET)]
    forged = await deliver(rotating, UNKNOWN_SECRET)

    assert (statuses, forged) == ([200, 200], 401)
    assert await count_rows(pg_engine, "webhook_events") == 2


async def test_webhooks_signed_with_the_old_secret_are_refused_without_a_rotation(
    connected: Connected, pg_engine: AsyncEngine
) -> None:
    await install(connected, SHOP)

    assert await deliver(connected, OLD_SECRET) == 401
    assert await count_rows(pg_engine, "webhook_events") == 0


async def signed_in_by_token(connected: Connected, secret: str) -> int:
    token = session_token(SHOP, secret=secret)
    answer = await connected.client.get(
        "/api/v1/shop", headers={"Authorization": f"Bearer {token}"}
    )
    return answer.status_code


async def test_session_tokens_signed_with_the_old_secret_sign_in_during_a_rotation(
    rotating: Connected,
) -> None:
    await install(rotating, SHOP)

    statuses = [await signed_in_by_token(rotating, s) for s in (OLD_SECRET, API_SECRET)]

    assert statuses == [200, 200]
    assert await signed_in_by_token(rotating, UNKNOWN_SECRET) == 401


async def test_session_tokens_signed_with_the_old_secret_are_refused_without_a_rotation(
    connected: Connected,
) -> None:
    await install(connected, SHOP)

    assert await signed_in_by_token(connected, OLD_SECRET) == 401


async def install_callback(connected: Connected, secret: str) -> int:
    started = await connected.client.get("/auth/shopify/install", params={"shop": SHOP})
    state = query_param(started.headers["location"], "state")
    query = signed_callback_query(SHOP, state, secret=secret)
    answer = await connected.client.get(f"/auth/shopify/callback?{query}")
    await finish_jobs(connected.app)
    return answer.status_code


async def installed_shops(connected: Connected) -> list[str]:
    async with connected.app.state.runtime.transaction() as session:
        return [shop.domain for shop in (await session.exec(select(Shop))).all()]


async def test_an_install_callback_signed_with_the_old_secret_installs_during_a_rotation(
    rotating: Connected,
) -> None:
    assert await install_callback(rotating, UNKNOWN_SECRET) == 400
    assert await install_callback(rotating, OLD_SECRET) == 303
    assert await installed_shops(rotating) == [SHOP]


async def test_an_install_callback_signed_with_the_old_secret_is_refused_without_a_rotation(
    connected: Connected,
) -> None:
    assert await install_callback(connected, OLD_SECRET) == 400
    assert await installed_shops(connected) == []


async def test_an_expired_token_signed_with_the_old_secret_is_bounced_for_a_fresh_one(
    rotating: Connected,
) -> None:
    expired = session_token(SHOP, secret=OLD_SECRET, expires_in=timedelta(minutes=-2))
    load = {"embedded": "1", "host": "aG9zdA", "shop": SHOP, "id_token": expired}

    answer = await rotating.client.get("/admin/okrs", params=load)

    assert answer.status_code == 401
    assert "Refresh" in answer.headers  # sent for a fresh token, not refused as forged
