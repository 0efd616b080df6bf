"""The recovery tests' store: the app with a real SMTP server behind it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.tasks import registry
from tests.fixtures.app import running_app
from tests.fixtures.database import empty_all_tables
from tests.fixtures.mail import Inbox
from tests.fixtures.platforms import FakeShopify, FakeWooCommerce, Platforms
from tests.fixtures.stores import Connected, connection_settings
from tests.initiatives.helpers import SHOP, Store, zone_at
from tests.webhooks.helpers import install


@pytest.fixture
async def store(pg_engine: AsyncEngine, smtp_server: tuple[Inbox, int]) -> AsyncIterator[Store]:
    """The app with the real task registry and a real SMTP server; one Shopify shop whose
    clock reads midday."""
    inbox, port = smtp_server
    await empty_all_tables(pg_engine)
    shopify, woo = FakeShopify(), FakeWooCommerce()
    platforms = Platforms(shopify, woo, "store.example").transport()
    settings = connection_settings().model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False}
    )
    # The sweeps are run by the tests, at the moments they choose.
    async with running_app(settings, registry, platforms=platforms, run_cron=False) as (
        app,
        client,
    ):
        connected = Connected(app, client, settings, shopify, woo)
        shop = await install(connected, SHOP)
        assert shop.id is not None
        made = Store(connected, inbox, shop.id)
        await made.set_zone(zone_at(12))
        yield made
    await empty_all_tables(pg_engine)
