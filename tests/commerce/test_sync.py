"""Reconciliation and backfill: orders whose webhooks never came appear; nothing is doubled."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from app.commerce.models import Order, StoreSync, SyncKind, SyncStatus
from app.db import utcnow
from app.ingest import sync
from app.ingest.sync import get_sync, reconcile_since, run_chunk, start_sync, sync_store
from app.integrations.platforms import Platform
from tests.fixtures.app import finish_jobs
from tests.fixtures.payloads import payload
from tests.fixtures.stores import Connected
from tests.fixtures.webhooks import shopify_delivery, woocommerce_delivery
from tests.webhooks.helpers import WOO_SECRET, install

SHOP = "reconciled.myshopify.com"
STORE = "https://store.example"


def woo_order(order_id: int) -> dict[str, Any]:
    body = payload("woocommerce_order")
    body["id"], body["number"] = order_id, str(order_id)
    return body


def shopify_order_node(order_id: int, total: str) -> dict[str, Any]:
    """An order as Admin GraphQL returns it to our StoreOkrOrders query."""
    money = {
        "shopMoney": {"amount": total, "currencyCode": "EUR"},
        "presentmentMoney": {"amount": total, "currencyCode": "EUR"},
    }
    zero = {
        "shopMoney": {"amount": "0.00", "currencyCode": "EUR"},
        "presentmentMoney": {"amount": "0.00", "currencyCode": "EUR"},
    }
    return {
        "id": f"gid://shopify/Order/{order_id}",
        "legacyResourceId": str(order_id),
        "name": f"#{order_id}",
        "createdAt": "2026-11-20T09:00:00Z",
        "updatedAt": "2026-11-20T09:00:05Z",
        "cancelledAt": None,
        "test": False,
        "currencyCode": "EUR",
        "displayFinancialStatus": "PAID",
        "customer": {
            "id": "gid://shopify/Customer/9",
            "legacyResourceId": "9",
            "email": "c@example.com",
        },
        "email": "c@example.com",
        "discountCodes": [],
        "totalPriceSet": money,
        "currentTotalPriceSet": money,
        "subtotalPriceSet": money,
        "totalDiscountsSet": zero,
        "totalShippingPriceSet": zero,
        "totalTaxSet": zero,
        "refunds": [],
        "lineItems": {
            "nodes": [
                {
                    "id": "gid://shopify/LineItem/1",
                    "quantity": 1,
                    "variant": None,
                    "product": None,
                    "originalUnitPriceSet": money,
                }
            ]
        },
    }


async def orders(connected: Connected) -> list[Order]:
    async with connected.app.state.runtime.transaction() as session:
        return list((await session.exec(select(Order))).all())


async def test_woocommerce_orders_whose_webhooks_never_came_appear_once(
    connected: Connected,
) -> None:
    shop = await install(connected, STORE, Platform.WOOCOMMERCE)
    held = woo_order(4180)
    headers, body = woocommerce_delivery(STORE, "order.created", held, secret=WOO_SECRET)
    await connected.client.post("/webhooks/woocommerce", headers=headers, content=body)
    await finish_jobs(connected.app)
    connected.woocommerce.orders = [held] + [woo_order(n) for n in (4181, 4182, 4183)]

    sync = await sync_store(
        connected.app.state.runtime, shop.id or 0, SyncKind.RECONCILE, utcnow() - timedelta(days=1)
    )

    assert sync.status is SyncStatus.DONE
    assert sync.records == 4
    assert sorted(o.platform_id for o in await orders(connected)) == [
        "4180",
        "4181",
        "4182",
        "4183",
    ]
    again = await sync_store(
        connected.app.state.runtime, shop.id or 0, SyncKind.RECONCILE, utcnow() - timedelta(days=1)
    )
    assert again.status is SyncStatus.DONE
    assert len(await orders(connected)) == 4  # a second pass counts nothing twice


async def test_shopify_orders_read_through_graphql_match_their_webhooks(
    connected: Connected,
) -> None:
    shop = await install(connected, SHOP)
    connected.shopify.issued_tokens.append("shpat_x")
    connected.shopify.shop(SHOP).orders = [shopify_order_node(n, "10.00") for n in (1, 2, 3)]

    sync = await sync_store(
        connected.app.state.runtime, shop.id or 0, SyncKind.BACKFILL, utcnow() - timedelta(days=30)
    )

    assert sync.records == 3
    found = await orders(connected)
    assert sorted(o.platform_id for o in found) == ["1", "2", "3"]
    assert {o.total for o in found} == {Decimal("10.00")}
    assert {o.customer_key for o in found} == {"id:9"}
    # A later webhook for one of them is the same order, not a new one.
    headers, body = shopify_delivery(SHOP, "orders/updated", {**payload("shopify_order"), "id": 2})
    await connected.client.post("/webhooks/shopify", headers=headers, content=body)
    await finish_jobs(connected.app)
    assert len(await orders(connected)) == 3


async def test_next_reconciliation_starts_where_the_last_good_one_did(connected: Connected) -> None:
    shop = await install(connected, STORE, Platform.WOOCOMMERCE)
    runtime = connected.app.state.runtime
    first_since = await reconcile_since(runtime, shop.id or 0)
    assert utcnow() - first_since > timedelta(hours=23)
    done = await sync_store(runtime, shop.id or 0, SyncKind.RECONCILE, first_since)
    assert await reconcile_since(runtime, shop.id or 0) == done.started_at - timedelta(minutes=10)
    async with runtime.transaction() as session:
        assert len((await session.exec(select(StoreSync))).all()) == 1


async def test_a_pass_in_chunks_resumes_where_it_stopped(connected: Connected) -> None:
    shop = await install(connected, STORE, Platform.WOOCOMMERCE)
    connected.woocommerce.orders = [woo_order(5000 + n) for n in range(230)]  # three pages
    runtime = connected.app.state.runtime
    sync_id = await start_sync(
        runtime, shop.id or 0, SyncKind.BACKFILL, utcnow() - timedelta(days=7)
    )

    # Time is up after every page: customers (none), then the first page of orders.
    await run_chunk(runtime, sync_id, timedelta(0))
    finished = await run_chunk(runtime, sync_id, timedelta(0))
    stopped = await get_sync(runtime, sync_id)
    while not finished:
        finished = await run_chunk(runtime, sync_id, timedelta(0))
    done = await get_sync(runtime, sync_id)

    assert (stopped.resource, stopped.records, stopped.status) == (
        "orders",
        100,
        SyncStatus.RUNNING,
    )
    assert stopped.cursor == "2"
    assert done.status is SyncStatus.DONE
    assert done.records == 230
    assert len(await orders(connected)) == 230


async def test_a_backfill_refreshes_planner_statistics_as_it_doubles(
    connected: Connected, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Statistics from an empty mirror would turn each page's look-ups into scans."""
    monkeypatch.setattr(sync, "ANALYZE_FROM", 128)
    shop = await install(connected, STORE, Platform.WOOCOMMERCE)
    connected.woocommerce.orders = [woo_order(6000 + n) for n in range(230)]  # three pages
    runtime = connected.app.state.runtime
    await sync_store(runtime, shop.id or 0, SyncKind.BACKFILL, utcnow() - timedelta(days=7))

    async with runtime.transaction() as session:
        statement = text("SELECT reltuples FROM pg_class WHERE relname = 'orders'")
        estimated = (await session.exec(statement)).one()[0]
    # Analysed once the pass passed 128 records (at 200), not again before 256.
    assert estimated == 200
