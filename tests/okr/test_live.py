"""Acceptance: an order webhook moves a metric key result's value and score on the shop's open
event stream, with no check-in (and nothing of it reaches another shop's stream)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import utcnow
from app.main import create_app
from app.tasks import registry
from tests.fixtures.database import empty_all_tables
from tests.fixtures.payloads import payload
from tests.fixtures.platforms import FakeShopify, FakeWooCommerce, Platforms, session_token
from tests.fixtures.stores import Connected, connection_settings
from tests.fixtures.waiting import eventually
from tests.fixtures.webhooks import shopify_delivery
from tests.live.test_events import first_change, serving
from tests.webhooks.helpers import install

SHOP, OTHER = "okr-live.myshopify.com", "okr-other.myshopify.com"


async def metric_key_result(client: httpx.AsyncClient, shop: str) -> dict[str, Any]:
    auth = {"Authorization": f"Bearer {session_token(shop)}"}
    cycle = (await client.post("/api/v1/cycles", json={"year": utcnow().year}, headers=auth)).json()
    goal = {"cycle_id": cycle["id"], "title": "Sell", "kind": "increase_revenue"}
    objective = (await client.post("/api/v1/objectives", json=goal, headers=auth)).json()
    kr = {
        "objective_id": objective["id"], "title": "Orders", "source": "metric",
        "metric_key": "orders", "kr_type": "increase_to", "start_value": "0", "target": "4",
    }  # fmt: skip
    created = await client.post("/api/v1/key-results", json=kr, headers=auth)
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def test_an_order_reaches_the_key_result_on_the_stream(pg_engine: AsyncEngine) -> None:
    await empty_all_tables(pg_engine)
    settings = connection_settings()
    fakes = FakeShopify(), FakeWooCommerce()
    app = create_app(
        settings, registry, http_transport=Platforms(*fakes, "store.example").transport()
    )
    async with serving(app) as base_url, httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        connected = Connected(app, client, settings, *fakes)
        for shop in (SHOP, OTHER):
            await install(connected, shop)
        kr = await metric_key_result(client, SHOP)
        await metric_key_result(client, OTHER)
        seen: list[tuple[float, dict[str, object]]] = []
        seen_other: list[tuple[float, dict[str, object]]] = []
        readers = [
            asyncio.create_task(first_change(client, SHOP, seen)),
            asyncio.create_task(first_change(client, OTHER, seen_other)),
        ]
        await asyncio.sleep(0.5)

        body = payload("shopify_order")
        body["created_at"] = body["updated_at"] = utcnow().replace(microsecond=0).isoformat()
        headers, raw = shopify_delivery(SHOP, "orders/create", body)
        assert (
            await client.post("/webhooks/shopify", headers=headers, content=raw)
        ).status_code == 200

        def moved() -> list[Any]:
            return [
                entry
                for _, change in seen
                if change["kind"] == "key_results"
                for entry in change["data"]["key_results"]  # type: ignore[index]
                if entry["id"] == kr["id"]
            ]

        async def heard() -> bool:
            return bool(moved())

        await eventually(heard, 5, "the key result's new value on the stream")
        auth = {"Authorization": f"Bearer {session_token(SHOP)}"}
        api = (await client.get(f"/api/v1/key-results/{kr['id']}", headers=auth)).json()
        await asyncio.sleep(0.3)
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)

    [entry] = moved()[-1:]
    assert kr["status"]["score"] == 0
    assert (entry["value"], entry["score"]) == ("1", api["status"]["score"])
    assert entry["score"] > 0
    assert all(change["kind"] != "key_results" for _, change in seen_other)
    await empty_all_tables(pg_engine)
