"""Shopify's bulk export of orders, against a faked Admin API and result file (Shopify's HTTP
is mocked; the file is the demo store's, in Shopify's JSONL layout): polled until complete,
read as a stream, each order put back together exactly as the paged query gives it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.demo.admin_api import order_node
from app.demo.bulk import bulk_lines
from app.demo.runner import demo_shops
from app.integrations.base import StoreRejected, StoreUnavailable
from app.integrations.shopify import bulk
from app.integrations.shopify.graphql import ShopifyGraphQL
from app.integrations.shopify.normalize_graphql import order as normalise
from app.integrations.shopify.oauth import ShopifyApp

SHOP = "bulk.myshopify.com"
FILE = "https://storage.example/bulk/1.jsonl"
SINCE = datetime(2020, 1, 1, tzinfo=UTC)


def demo_orders(count: int) -> list[dict[str, Any]]:
    store = demo_shops("http://demo.test")[0].store
    now = datetime(2026, 3, 1, tzinfo=UTC)
    while len(store.orders) < count:
        store.tick(now)
        now += timedelta(minutes=5)
    return [order_node(order) for order in store.orders.values()]


class FakeBulkShopify:
    """The Admin API's bulk export: RUNNING for `running_polls` polls, then `final`."""

    def __init__(self, body: bytes, final: str = "COMPLETED", running_polls: int = 2) -> None:
        self.body, self.final, self.running_polls = body, final, running_polls
        self.polls = 0
        self.started: list[str] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            assert str(request.url) == FILE
            return httpx.Response(200, content=self.body)
        query = json.loads(request.content)
        if "StoreOkrBulkOrders" in query["query"]:
            self.started.append(query["variables"]["query"])
            operation = {"id": "gid://shopify/BulkOperation/1", "status": "CREATED"}
            data: dict[str, Any] = {
                "bulkOperationRunQuery": {"bulkOperation": operation, "userErrors": []}
            }
        else:
            self.polls += 1
            done = self.polls > self.running_polls
            status = self.final if done else "RUNNING"
            data = {
                "currentBulkOperation": {
                    "id": "gid://shopify/BulkOperation/1",
                    "status": status,
                    "errorCode": "ACCESS_DENIED" if status == "FAILED" else None,
                    "url": FILE if status == "COMPLETED" else None,
                }
            }
        return httpx.Response(200, json={"data": data})


async def exported(fake: FakeBulkShopify) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handle)) as http:

        async def token() -> str:
            return "shpat_bulk"

        app = ShopifyApp("key", "secret", "https://{shop}")
        graphql = ShopifyGraphQL(http, app, SHOP, "2025-10", token)
        url = await bulk.export_orders(graphql, SINCE, poll_seconds=0)
        assert url == FILE
        return [order async for order in bulk.stream_orders(http, url)]


async def test_exported_orders_are_the_paged_queries_orders_with_lines_and_refunds() -> None:
    nodes = demo_orders(120)
    fake = FakeBulkShopify(b"".join(bulk_lines(nodes)))

    orders = await exported(fake)

    assert fake.polls == 3  # polled while RUNNING, read once COMPLETED
    assert "updated_at:>='2020-01-01T00:00:00+00:00'" in fake.started[0]
    assert [normalise(o, "EUR") for o in orders] == [normalise(n, "EUR") for n in nodes]
    assert any(o["refunds"] for o in orders)  # refunds' line items came back under them
    assert all(o["lineItems"]["nodes"] for o in orders)


async def test_a_failed_export_says_why() -> None:
    fake = FakeBulkShopify(b"", final="FAILED")

    with pytest.raises(StoreUnavailable, match="ACCESS_DENIED"):
        await exported(fake)


async def test_a_child_before_its_parent_is_refused() -> None:
    async def lines() -> AsyncIterator[bytes]:
        yield b'{"id": "gid://shopify/LineItem/1", "__parentId": "gid://shopify/Order/9"}'

    with pytest.raises(StoreRejected, match="parent"):
        _ = [order async for order in bulk.assembled_orders(lines())]
