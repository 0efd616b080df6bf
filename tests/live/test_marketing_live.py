"""The marketing metrics move live (#17): a message marked sent, its first open and an address
unsubscribing each reach the shop's open stream as moved marketing metrics, with the key
results on them re-scored — although the metrics are read from the send log, which
messaging writes without knowing of metrics (`app.messaging.events.MessagesMoved`). The app
on a real port, a real SMTP server, real PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from app.db import utcnow
from app.demo.okrs import Goal, add_revenue_objective
from app.okr.models import KeyResult
from app.shops.models import Shop
from tests.fixtures.database import empty_all_tables
from tests.fixtures.mail import Inbox
from tests.fixtures.platforms import session_token
from tests.fixtures.waiting import eventually
from tests.initiatives.helpers import SHOP, Store, serve_store, zone_at
from tests.initiatives.test_recovery import parts

WAIT_S = 3  # generous: the machine may be loaded; nothing here measures speed


@pytest.fixture
async def served(pg_engine: AsyncEngine, smtp_server: tuple[Inbox, int]) -> AsyncIterator[Store]:
    """The initiatives' test store, served on a real port (a stream needs a real server)."""
    inbox, port = smtp_server
    await empty_all_tables(pg_engine)
    async for store in serve_store(port, inbox):
        yield store
    await empty_all_tables(pg_engine)


class Stream:
    """The shop's open stream, read in the background: its comments and its changes."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.lines: list[str] = []
        self.changes: list[dict[str, Any]] = []
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        headers = {"Authorization": f"Bearer {session_token(SHOP)}"}
        client = self.store.connected.client
        async with client.stream("GET", "/api/v1/events", headers=headers) as response:
            assert response.status_code == 200
            async for line in response.aiter_lines():
                self.lines.append(line)
                if line.startswith("data: "):
                    self.changes.append(json.loads(line.removeprefix("data: ")))

    async def opened(self) -> None:
        async def connected() -> bool:
            return ": connected" in self.lines

        await eventually(connected, WAIT_S, "the stream to open")

    def marketing_days(self) -> list[list[str]]:
        return [
            c["data"]["days"]
            for c in self.changes
            if c["kind"] == "metrics" and c["data"]["family"] == "marketing"
        ]

    async def heard(self, count: int, values: dict[int, str]) -> None:
        """Until `count` marketing moves arrived and the key results read `values`."""

        async def done() -> bool:
            return len(self.marketing_days()) >= count and self.latest() == values

        await eventually(done, WAIT_S, f"{count} marketing moves and key results {values}")

    def latest(self) -> dict[int, str]:
        seen: dict[int, str] = {}
        for change in self.changes:
            if change["kind"] == "key_results":
                for kr in change["data"]["key_results"]:
                    seen[kr["id"]] = kr["value"]
        return seen

    async def close(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def key_results(store: Store, *metrics: str) -> list[int]:
    async with store.runtime.transaction() as session:
        shop = await session.get(Shop, store.shop_id)
        assert shop is not None
        goals = [Goal(metric, metric, Decimal(100)) for metric in metrics]
        await add_revenue_objective(session, shop, goals)
        found = {kr.title: kr.id for kr in (await session.exec(select(KeyResult))).all()}
    return [int(found[metric] or 0) for metric in metrics]


async def test_sent_opened_and_unsubscribed_reach_the_open_stream_with_their_key_results(
    served: Store,
) -> None:
    store = served
    sent_kr, opens_kr, unsubscribed_kr = await key_results(
        store, "emails_sent", "email_opens", "unsubscribes"
    )
    await store.recovery()
    await store.abandon()
    stream = Stream(store)
    try:
        await stream.opened()
        today = utcnow().astimezone(ZoneInfo(zone_at(12))).date().isoformat()

        await store.sweep()  # step 1 goes out: marked sent
        await stream.heard(1, {sent_kr: "1", opens_kr: "0", unsubscribed_kr: "0"})
        assert stream.marketing_days() == [[today]]  # the shop's day, not the server's

        [message] = store.inbox.messages
        text, html = parts(message)
        pixel = re.search(r'src="[^"]*(/m/o/[^"]+\.gif)"', html)
        assert pixel is not None
        for _load in range(2):  # a second open is no first open: it moves nothing
            assert (await store.connected.client.get(pixel[1])).status_code == 200
        await stream.heard(2, {sent_kr: "1", opens_kr: "1", unsubscribed_kr: "0"})

        unsubscribe = re.search(r"<https?://[^/]+(/u/[^>]+)>", str(message["List-Unsubscribe"]))
        assert unsubscribe is not None
        one_click = {"List-Unsubscribe": "One-Click"}
        answer = await store.connected.client.post(unsubscribe[1], data=one_click)
        assert answer.status_code == 200
        await stream.heard(3, {sent_kr: "1", opens_kr: "1", unsubscribed_kr: "1"})
        assert stream.marketing_days() == [[today]] * 3
    finally:
        await stream.close()
