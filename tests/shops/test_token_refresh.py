"""Expiring Shopify tokens: refreshed before they lapse, once however many callers need it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from app.crypto import Vault
from app.db import utcnow
from app.integrations.clients import client_for
from app.integrations.platforms import Platform
from app.integrations.shopify.client import ShopifyStoreClient
from app.integrations.shopify.credentials import ShopifyCredentials
from app.shops import repository, service
from app.shops.models import Shop
from tests.fixtures.stores import Connected

SHOP = "refreshing.myshopify.com"


async def install_with_token_expiring_in(connected: Connected, lifetime: timedelta) -> Shop:
    now = utcnow()
    credentials = ShopifyCredentials(
        access_token="shpat_old",
        scope="read_orders",
        expires_at=now + lifetime,
        refresh_token="shprt_old",
        refresh_expires_at=now + timedelta(days=90),
    )
    connected.shopify.issued_tokens.append("shpat_old")
    runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        return await service.install(
            session,
            Vault.from_settings(runtime.settings),
            platform=Platform.SHOPIFY,
            domain=SHOP,
            credentials=credentials.to_json(),
            scopes="read_orders",
        )


async def fresh_client(connected: Connected, shop_id: int) -> ShopifyStoreClient:
    """A client as a job builds it: from the shop row as it is in the database now."""
    runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        shop = await repository.get_shop(session, shop_id)
        assert shop is not None
        client = client_for(service.connection_for(runtime, shop), runtime.http, runtime.settings)
    assert isinstance(client, ShopifyStoreClient)
    return client


def refresh_requests(connected: Connected) -> list[dict[str, object]]:
    return [r for r in connected.shopify.token_requests if r.get("grant_type") == "refresh_token"]


async def test_twenty_concurrent_callers_cause_one_refresh(connected: Connected) -> None:
    shop = await install_with_token_expiring_in(connected, timedelta(seconds=-1))
    clients = [await fresh_client(connected, shop.id or 0) for _ in range(20)]

    tokens = await asyncio.gather(*(client.access_token() for client in clients))

    [refresh] = refresh_requests(connected)
    assert refresh["refresh_token"] == "shprt_old"
    new_token = connected.shopify.issued_tokens[-1]
    assert set(tokens) == {new_token}
    # Stored for the next job, which then needs no refresh at all.
    later = await fresh_client(connected, shop.id or 0)
    assert await later.access_token() == new_token
    assert len(refresh_requests(connected)) == 1


async def test_token_is_refreshed_before_it_lapses_and_used(connected: Connected) -> None:
    shop = await install_with_token_expiring_in(connected, timedelta(minutes=2))
    client = await fresh_client(connected, shop.id or 0)

    info = await client.shop_info()  # within the margin: refresh first, then call

    assert info.currency == "EUR"
    assert len(refresh_requests(connected)) == 1


async def test_valid_token_is_not_refreshed(connected: Connected) -> None:
    shop = await install_with_token_expiring_in(connected, timedelta(minutes=30))
    client = await fresh_client(connected, shop.id or 0)
    assert await client.access_token() == "shpat_old"
    assert refresh_requests(connected) == []
