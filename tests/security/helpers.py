"""The app under test with settings of a test's own, over the same database (a key rotation
is three deployments of one database), and a stream's answer read without waiting for its end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.types import ASGIApp, Message

from app.config import Settings
from app.tasks import registry
from tests.fixtures.app import running_app
from tests.fixtures.platforms import FakeShopify, FakeWooCommerce, Platforms
from tests.fixtures.stores import Connected


@asynccontextmanager
async def connected_with(
    settings: Settings,
    shopify: FakeShopify | None = None,
    woocommerce: FakeWooCommerce | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[Connected]:
    """The app with `settings` and the real task registry, its stores' APIs faked (by
    `transport` when given, which should stand in front of those fakes)."""
    shopify, woocommerce = shopify or FakeShopify(), woocommerce or FakeWooCommerce()
    platforms = transport or Platforms(shopify, woocommerce, "store.example").transport()
    async with running_app(settings, registry, platforms=platforms) as (app, client):
        yield Connected(app, client, settings, shopify, woocommerce)


async def stream_status(app: ASGIApp, path: str, query: str = "") -> int:
    """The status a GET answers with, read from the start of the answer: a live stream never
    ends, so the client hangs up as soon as the answer has started."""
    status: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    requested = False

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await status
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start" and not status.done():
            status.set_result(int(message["status"]))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"storeokr.test")],
        "client": ("127.0.0.1", 50000),
        "server": ("storeokr.test", 80),
    }
    await asyncio.wait_for(app(scope, receive, send), timeout=10)
    return status.result()
