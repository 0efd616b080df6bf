"""A long Shopify history is backfilled from a bulk export (the demo store's, as a stream): every
order once, with its lines and refunds, the rollups equal to a rebuild, and a second backfill
of the same export changes nothing."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from app.commerce.models import Order, OrderLineRow, RefundRow, SyncKind, SyncStatus
from app.demo.admin_api import admin_api
from app.demo.runner import demo_shops, install_demo_shop
from app.demo.shoppers import DemoStore
from app.ingest import export
from app.ingest.sync import sync_store
from app.integrations.events import CommerceEvent, CustomerSnapshot, OrderChanged
from app.integrations.platforms import Platform
from app.integrations.shopify.normalize import normalise
from app.metrics.rebuild import differences
from app.runtime import Runtime
from app.tasks import registry
from tests.commerce.test_sync import woo_order
from tests.fixtures.app import running_app
from tests.fixtures.database import empty_all_tables
from tests.fixtures.payloads import payload
from tests.fixtures.settings import make_settings
from tests.fixtures.stores import WOO_STORE, Connected
from tests.webhooks.helpers import install

DEMO = "http://demo.test"
SINCE = datetime(2000, 1, 1, tzinfo=UTC)
ROLLUP_TABLES = (
    "sales_rollups", "customer_rollups", "customer_day_rollups", "customer_previous_rollups",
    "checkout_rollups",
)  # fmt: skip


def grown(orders: int) -> DemoStore:
    """The demo Shopify store after enough shopping for `orders` orders (refunds, cancelled
    and test orders among them)."""
    store = demo_shops(DEMO)[0].store
    now = datetime(2026, 3, 1, tzinfo=UTC)
    while len(store.orders) < orders:
        store.tick(now)
        now += timedelta(minutes=5)
    return store


@pytest.fixture
async def runtime(pg_engine: AsyncEngine) -> AsyncIterator[Runtime]:
    await empty_all_tables(pg_engine)
    store = grown(260)
    demo = FastAPI()
    demo.include_router(admin_api(store))
    settings = make_settings(shopify_admin_url=f"{DEMO}/demo/shopify/{{shop}}")
    transport = httpx.ASGITransport(app=demo)
    async with running_app(settings, registry, platforms=transport, run_cron=False) as (app, _):
        yield app.state.runtime
    await empty_all_tables(pg_engine)


async def _counts(runtime: Runtime, shop_id: int) -> dict[str, Any]:
    async with runtime.transaction() as session:
        counted: dict[str, Any] = {
            model.__name__: (
                await session.exec(select(func.count()).where(model.shop_id == shop_id))
            ).one()
            for model in (Order, OrderLineRow, RefundRow)
        }
        for table in ROLLUP_TABLES:
            rows = await session.exec(text(f"SELECT * FROM {table} ORDER BY 1, 2, 3"))  # type: ignore[call-overload]
            counted[table] = [tuple(row) for row in rows.all()]
        counted["differences"] = await differences(session, shop_id)
    return counted


async def test_a_long_history_comes_from_the_bulk_export_and_equals_a_rebuild(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.deadlocks")
    monkeypatch.setattr(export, "EXPORT_FROM", 100)
    monkeypatch.setattr(export, "BATCH", 64)  # several batches, and a short last one
    shop_id = await install_demo_shop(runtime, demo_shops(DEMO)[0], connect=False)
    pages: list[str] = []

    sync = await sync_store(
        runtime, shop_id, SyncKind.BACKFILL, SINCE, lambda s: pages.append(s.resource)
    )
    first = await _counts(runtime, shop_id)

    assert sync.status is SyncStatus.DONE
    assert first["Order"] >= 260
    assert first["OrderLineRow"] > first["Order"]
    assert first["RefundRow"] > 0
    assert first["differences"] == []
    # Told after each batch of 64 from the export, not each page of 100.
    assert pages.count("orders") >= first["Order"] // 64
    # Two writers, never sharing a customer: no batch had to be written again.
    assert not [record for record in caplog.records if record.name == "app.deadlocks"]

    again = await sync_store(runtime, shop_id, SyncKind.BACKFILL, SINCE)
    assert again.status is SyncStatus.DONE
    assert await _counts(runtime, shop_id) == first  # the same export again changes nothing


async def test_a_short_history_is_read_page_by_page(runtime: Runtime) -> None:
    shop_id = await install_demo_shop(runtime, demo_shops(DEMO)[0], connect=False)
    pages: list[str] = []

    sync = await sync_store(
        runtime, shop_id, SyncKind.BACKFILL, SINCE, lambda s: pages.append(s.resource)
    )

    assert sync.status is SyncStatus.DONE
    counts = await _counts(runtime, shop_id)
    assert counts["differences"] == []
    assert pages.count("orders") == -(-counts["Order"] // 100)  # pages of 100, below EXPORT_FROM


async def test_a_long_woocommerce_history_is_read_several_pages_at_once(
    connected: Connected, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "EXPORT_FROM", 300)
    monkeypatch.setattr(export, "BATCH", 150)  # several batches, two written at once
    shop = await install(connected, WOO_STORE, Platform.WOOCOMMERCE)
    connected.woocommerce.orders = [woo_order(7000 + n) for n in range(430)]  # five pages
    runtime = connected.app.state.runtime
    pages: list[str] = []

    sync = await sync_store(
        runtime, shop.id or 0, SyncKind.BACKFILL, SINCE, lambda s: pages.append(s.resource)
    )

    counts = await _counts(runtime, shop.id or 0)
    assert sync.status is SyncStatus.DONE
    assert counts["Order"] == 430
    assert counts["differences"] == []
    assert pages.count("orders") >= 430 // 150  # told after each batch of the export


def test_each_customers_orders_go_to_one_writer() -> None:
    """Batches written at once never share a customer (their locks deadlocked when they did);
    guests are keyed by e-mail, as the mirror keys them; the writers share the work."""
    [event] = normalise("orders/create", payload("shopify_order"), "EUR")
    assert isinstance(event, OrderChanged)
    order = event.order

    def placed(number: int, customer: CustomerSnapshot | None) -> list[CommerceEvent]:
        return [OrderChanged(replace(order, platform_id=str(number), customer=customer))]

    people = [CustomerSnapshot(str(n), f"p{n}@example.com") for n in range(40)]
    guest = CustomerSnapshot(None, "Guest@Example.com ")
    for person in [*people, guest]:
        assert len({export.writer_of(placed(n, person)) for n in range(20)}) == 1
    assert export.writer_of(placed(1, guest)) == export.writer_of(
        placed(2, CustomerSnapshot(None, "guest@example.com"))
    )
    assert {export.writer_of(placed(1, person)) for person in people} == set(range(export.WRITERS))
