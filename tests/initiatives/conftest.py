"""The recovery tests' store: the app with a real SMTP server behind it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.admin.browser import browser, served_app, server
from tests.fixtures.database import empty_all_tables
from tests.fixtures.mail import Inbox
from tests.initiatives.helpers import Store, open_store


@pytest.fixture
async def store(pg_engine: AsyncEngine, smtp_server: tuple[Inbox, int]) -> AsyncIterator[Store]:
    """The app with the real task registry and a real SMTP server; one Shopify shop whose
    clock reads midday."""
    inbox, port = smtp_server
    await empty_all_tables(pg_engine)
    async for made in open_store(port, inbox):
        yield made
    await empty_all_tables(pg_engine)


# The admin's browser fixtures serve the widget's tests.
__all__ = ["browser", "served_app", "server", "store"]
