"""A backfill's orders from the store's history export (`HistoryExport`: Shopify's bulk
operation, read as a stream) rather than page by page, when the history is long.

The records are normalised as they arrive and applied in batches of thousands, each batch in
its own transaction with the pass's count; reading overlaps with writing (`WRITERS` says why
one batch is written at a time). On PostgreSQL a batch is written by COPY and set-based statements
(`commerce.bulk`). An export cannot resume halfway: a pass interrupted during it reads the
export again from the start, which rewrites nothing already held (the newest state wins)."""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial

from app.commerce.models import StoreSync
from app.deadlocks import again_after_deadlock
from app.ingest.pipeline import ingest
from app.integrations.adapters import adapter_for
from app.integrations.base import HistoryExport, StoreClient
from app.integrations.events import CommerceEvent, OrderChanged
from app.runtime import Runtime
from app.shops import service as shops

logger = logging.getLogger(__name__)

# Histories of at least this many orders are exported; shorter ones are read page by page (an
# export's start and polling cost more than a few pages).
EXPORT_FROM = 2_500
BATCH = 2_000
# Batches written at once: one's Python work overlaps the other's database work. A batch takes
# its customers' locks in more than one statement (orders', then refunds'), so two batches
# sharing a customer deadlocked again and again on the demo store: each customer's orders go
# to one writer (`writer_of`), and batches written at once never share one. Their rollup rows
# are locked in one order by every writer (`metrics.bulk_deltas`): they wait, never deadlock.
WRITERS = 2
# Batches read ahead of those being written, per writer: enough to keep it busy, little memory.
AHEAD = 2

# A batch can still meet a live webhook's job on a customer and lose a deadlock to it; rolled
# back whole, it is simply written again (`app.deadlocks`).

Written = Callable[[int], Awaitable[StoreSync]]  # a batch of n records is in: the pass as it is


async def wanted(client: StoreClient, since: datetime) -> HistoryExport | None:
    """The client's export, when it has one and the history is long enough to be worth it."""
    if not isinstance(client, HistoryExport):
        return None
    return client if await client.count_orders(since) >= EXPORT_FROM else None


async def export_orders(
    runtime: Runtime,
    shop_id: int,
    export: HistoryExport,
    since: datetime,
    client: StoreClient,
    written: Written,
) -> None:
    """Read the export and apply it batch by batch; `written` is told after each batch."""
    async with runtime.transaction() as session:
        shop = await shops.require_shop(session, shop_id)
    adapter, currency = adapter_for(shop.platform), shop.currency
    queues = [asyncio.Queue[list[CommerceEvent] | None](maxsize=AHEAD) for _ in range(WRITERS)]

    async def read() -> None:
        batches: list[list[CommerceEvent]] = [[] for _ in range(WRITERS)]
        async for record in export.export_orders(since):
            events = adapter.normalise_record("orders", record, currency)
            writer = writer_of(events)
            batches[writer].extend(events)
            if len(batches[writer]) >= BATCH:
                await queues[writer].put(batches[writer])
                batches[writer] = []
        for queue, batch in zip(queues, batches, strict=True):
            if batch:
                await queue.put(batch)
            await queue.put(None)

    async def apply(batch: list[CommerceEvent]) -> None:
        async with runtime.transaction() as session:
            shop = await shops.require_shop(session, shop_id)
            await ingest(session, shop, batch, lambda: client)

    async def write(batches: asyncio.Queue[list[CommerceEvent] | None]) -> None:
        while (batch := await batches.get()) is not None:
            await again_after_deadlock(partial(apply, batch), f"a backfill batch of shop {shop_id}")
            await written(len(batch))

    tasks = [asyncio.create_task(read()), *(asyncio.create_task(write(q)) for q in queues)]
    try:
        for finished in asyncio.as_completed(tasks):
            await finished  # the first failure ends the pass
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def writer_of(events: list[CommerceEvent]) -> int:
    """The writer of one exported order's events: its customer's (a guest's by their e-mail,
    as the mirror keys them), else any — always the same for the same customer."""
    orders = [event.order for event in events if isinstance(event, OrderChanged)]
    if not orders:
        return 0
    customer = orders[0].customer
    key = (customer.key if customer else None) or f"order:{orders[0].platform_id}"
    return zlib.crc32(key.encode()) % WRITERS
