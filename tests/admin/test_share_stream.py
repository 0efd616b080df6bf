"""A share link's event stream on a real server: an order moves the shop's numbers, and the
link's viewers hear one ping that it moved, never what moved (no topic, metric, day, key
result or value)."""

from __future__ import annotations

import asyncio
import contextlib
import json

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from app.admin.sharing import share_page
from app.sharing import links
from app.shops.models import Shop
from tests.admin.browser import post_order_now, signed_in_shop, with_net_sales_key_result
from tests.fixtures.stores import connection_settings
from tests.fixtures.waiting import eventually

SHOP = "share-stream.myshopify.com"
SETTLE_S = 1.0  # after the first ping, time for every other message of the order to arrive


async def test_the_share_stream_pings_once_per_change_with_nothing_in_it(server: str) -> None:
    paths: list[str] = []

    async def prepare(session: AsyncSession, shop: Shop) -> None:
        await with_net_sales_key_result(session, shop)
        link = await links.create_link(session, shop.id or 0, "Wall", 30)
        paths.append(f"/share/{links.token_for(link, connection_settings())}/events")

    await signed_in_shop(server, SHOP, prepare)
    received: list[str] = []
    async with httpx.AsyncClient(base_url=server, timeout=10) as client:
        reader = asyncio.create_task(read_stream(client, paths[0], received))

        async def connected() -> bool:
            return any(": connected" in chunk for chunk in received)

        await eventually(connected, 5, "the share stream to open")
        await post_order_now(server, SHOP)

        async def pinged() -> bool:
            return any("event: change" in chunk for chunk in received)

        await eventually(pinged, 5, "the share stream to ping")
        await asyncio.sleep(SETTLE_S)
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader

    text = "".join(received)
    data = [line.removeprefix("data: ") for line in text.splitlines() if line.startswith("data:")]
    # The order's mirror, sales and customers messages: one burst, one ping, no content.
    assert data == [share_page.PING]
    assert json.loads(data[0]) == {"kind": "key_results"}
    for detail in ('"id"', "value", "score", "pace", "family", "days", "topic", "orders/"):
        assert detail not in text


async def read_stream(client: httpx.AsyncClient, path: str, received: list[str]) -> None:
    async with client.stream("GET", path) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        async for chunk in response.aiter_text():
            received.append(chunk)
