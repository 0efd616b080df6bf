"""The embedded default (SQLite, in-process jobs) under concurrent senders: every delivery is
answered 200 and handled once — SQLite's one write lock is taken in turn, never fought over
until a `database is locked`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from app.commerce.models import Order
from app.metrics.rebuild import differences
from app.runtime import Runtime
from app.tasks import registry
from app.webhooks.models import EventStatus, WebhookEvent
from tests.fixtures.app import finish_jobs, running_app
from tests.fixtures.platforms import FakeShopify, FakeWooCommerce, Platforms
from tests.fixtures.stores import Connected, connection_settings
from tests.fixtures.webhooks import order_payload, shopify_delivery
from tests.webhooks.helpers import install

SHOP = "embedded.myshopify.com"
SENDERS, EACH = 16, 12


@pytest.fixture
async def embedded(tmp_path: Path) -> AsyncIterator[Connected]:
    """The app on a fresh SQLite file with its in-process job runner."""
    shopify, woo = FakeShopify(), FakeWooCommerce()
    platforms = Platforms(shopify, woo, "store.example").transport()
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'storeokr.db'}"
    settings = connection_settings().model_copy(update={"database_url": database_url})
    async with running_app(settings, registry, platforms=platforms) as (app, client):
        yield Connected(app, client, settings, shopify, woo)


async def send_orders(connected: Connected, sender: int) -> list[int]:
    """One sender's deliveries, one after another, as a platform's connection sends them."""
    statuses = []
    for number in range(EACH):
        order_id = 500_000 + sender * 1_000 + number
        email = f"shopper{order_id % 40}@example.com"  # shoppers return: customer rows contend
        body = order_payload(order_id, 7_000 + order_id % 40, email, ("Ada", "Lovelace"))
        headers, content = shopify_delivery(SHOP, "orders/create", body)
        response = await connected.client.post(
            "/webhooks/shopify", headers=headers, content=content
        )
        statuses.append(response.status_code)
    return statuses


async def test_concurrent_deliveries_are_all_answered_and_handled_once(
    embedded: Connected, caplog: pytest.LogCaptureFixture
) -> None:
    shop = await install(embedded, SHOP)
    caplog.set_level(logging.INFO)
    answered = await asyncio.gather(*(send_orders(embedded, n) for n in range(SENDERS)))
    await finish_jobs(embedded.app)

    assert [status for statuses in answered for status in statuses] == [200] * (SENDERS * EACH)
    runtime: Runtime = embedded.app.state.runtime
    async with runtime.transaction() as session:
        inbox = (await session.exec(select(WebhookEvent.status))).all()
        orders = (await session.exec(select(func.count(col(Order.id))))).one()
        assert sorted(set(inbox)) == [EventStatus.HANDLED]
        assert (len(inbox), orders) == (SENDERS * EACH, SENDERS * EACH)
        assert await differences(session, shop.id or 0) == []  # each order counted once
    assert "database is locked" not in caplog.text
