"""Live changes over server-sent events: a committed order reaches its shop's open stream within
a second, and never another shop's — embedded, and on PostgreSQL + Redis with an arq worker."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from arq.worker import Worker
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from app.main import create_app
from app.tasks import registry
from app.wiring import event_bus, webhook_topics
from app.worker.arq_worker import worker_settings
from tests.fixtures.database import empty_all_tables
from tests.fixtures.network import free_port
from tests.fixtures.payloads import payload
from tests.fixtures.platforms import FakeShopify, FakeWooCommerce, Platforms, session_token
from tests.fixtures.settings import REDIS_URL
from tests.fixtures.stores import Connected, connection_settings
from tests.fixtures.waiting import eventually
from tests.fixtures.webhooks import shopify_delivery
from tests.webhooks.helpers import install

SHOP_A, SHOP_B = "live-a.myshopify.com", "live-b.myshopify.com"


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """The app on a real loopback port (streams need a real server)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        return bool(server.started)

    await eventually(started, 10, "the app to start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def first_change(
    client: httpx.AsyncClient, shop: str, seen: list[tuple[float, dict[str, object]]]
) -> None:
    """Read the shop's stream, recording each change with the time it arrived."""
    headers = {"Authorization": f"Bearer {session_token(shop)}"}
    async with client.stream("GET", "/api/v1/events", headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        async for line in response.aiter_lines():
            if line.startswith("data: "):
                seen.append((time.monotonic(), json.loads(line.removeprefix("data: "))))


@pytest.mark.parametrize("mode", ["embedded", "redis"])
async def test_committed_order_reaches_its_shops_stream_and_no_other(
    pg_engine: AsyncEngine, redis: Redis, mode: str
) -> None:
    """How soon is `bench.freshness`'s to measure (p95 under a second at 500 deliveries a
    second, bench/README.md): a timed assertion here failed on a loaded machine."""
    await empty_all_tables(pg_engine)
    settings = connection_settings()
    if mode == "redis":
        settings = settings.model_copy(update={"redis_url": REDIS_URL})
    fakes = FakeShopify(), FakeWooCommerce()
    app = create_app(
        settings, registry, http_transport=Platforms(*fakes, "store.example").transport()
    )
    worker: Worker | None = None
    async with serving(app) as base_url, httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        connected = Connected(app, client, settings, *fakes)
        for shop in (SHOP_A, SHOP_B):
            await install(connected, shop)
        if mode == "redis":
            options = worker_settings(
                settings, registry, events=event_bus(), webhook_topics=webhook_topics()
            )
            options.update(handle_signals=False, poll_delay=0.01)
            worker = Worker(**options)
            worker_task = asyncio.create_task(worker.main())
        seen_a: list[tuple[float, dict[str, object]]] = []
        seen_b: list[tuple[float, dict[str, object]]] = []
        readers = [
            asyncio.create_task(first_change(client, SHOP_A, seen_a)),
            asyncio.create_task(first_change(client, SHOP_B, seen_b)),
        ]
        await asyncio.sleep(0.5)  # both streams are open

        headers, body = shopify_delivery(SHOP_A, "orders/create", payload("shopify_order"))
        posted = time.monotonic()
        assert (
            await client.post("/webhooks/shopify", headers=headers, content=body)
        ).status_code == 200

        async def a_heard() -> bool:
            return bool(seen_a)

        await eventually(a_heard, 30, "shop A's stream to carry the order")
        await asyncio.sleep(0.3)  # the mirror's own message follows the metrics one
        await asyncio.sleep(0.5)  # give a wrong delivery to shop B time to show
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        if worker is not None:
            await worker.close()
            await asyncio.gather(worker_task, return_exceptions=True)

    changes: dict[tuple[str, object], tuple[float, Any]] = {}
    for arrived_at, change in seen_a:
        data: Any = change["data"]
        changes[str(change["kind"]), data.get("family")] = (arrived_at, data)
    arrived, moved = changes["metrics", "sales"]
    assert moved == {"family": "sales", "days": ["2026-11-27"]}  # the order's Berlin day
    assert arrived > posted
    assert changes["metrics", "customers"][1]["days"] == ["2026-11-27"]
    assert changes["mirror", None][1] == {"topic": "orders/create", "events": ["OrderChanged"]}
    assert seen_b == []
    await empty_all_tables(pg_engine)
