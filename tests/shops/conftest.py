from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.tasks import registry
from tests.fixtures.app import running_app
from tests.fixtures.database import empty_all_tables
from tests.fixtures.platforms import API_KEY, API_SECRET, FakeShopify, FakeWooCommerce, Platforms
from tests.fixtures.settings import make_settings

PUBLIC_URL = "https://storeokr.test"
WOO_STORE = "https://store.example"


@dataclass
class Connected:
    app: FastAPI
    client: httpx.AsyncClient
    settings: Settings
    shopify: FakeShopify
    woocommerce: FakeWooCommerce


def connection_settings() -> Settings:
    return make_settings(
        shopify_api_key=API_KEY, shopify_api_secret=API_SECRET, public_url=PUBLIC_URL
    )


@pytest.fixture
async def connected(pg_engine: AsyncEngine) -> AsyncIterator[Connected]:
    """The app with the real task registry, its stores' APIs faked, tables emptied around."""
    await empty_all_tables(pg_engine)
    shopify, woo = FakeShopify(), FakeWooCommerce()
    platforms = Platforms(shopify, woo, "store.example").transport()
    settings = connection_settings()
    async with running_app(settings, registry, platforms=platforms) as (app, client):
        yield Connected(app, client, settings, shopify, woo)
    await empty_all_tables(pg_engine)
