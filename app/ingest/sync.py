"""Reading the store's API into the mirror: hourly reconciliation and history backfill.

Both page through `StoreClient.list_*` and write through `ingest`, exactly as webhooks do, so a
record already held changes nothing and a missed webhook is repaired. One transaction per
page, with the pass's position saved in it: a pass runs in short chunks (jobs stay short) and
resumes where it stopped, after a chunk's time is up or a worker died."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import text
from sqlmodel import col, select

from app.commerce.models import StoreSync, SyncKind, SyncStatus
from app.db import utcnow
from app.deadlocks import again_after_deadlock
from app.ingest import export
from app.ingest.pipeline import ingest
from app.integrations.adapters import adapter_for
from app.integrations.base import RESOURCES, HistoryExport, Page, StoreClient
from app.integrations.clients import client_for
from app.runtime import Runtime
from app.shops import service as shops

logger = logging.getLogger(__name__)

# Each reconciliation re-reads a little before where the last one started: clocks differ.
RECONCILE_OVERLAP = timedelta(minutes=10)
FIRST_RECONCILE_WINDOW = timedelta(days=1)
NO_LIMIT = timedelta.max

Progress = Callable[[StoreSync], None]


async def start_sync(runtime: Runtime, shop_id: int, kind: SyncKind, since: datetime) -> int:
    async with runtime.transaction() as session:
        sync = StoreSync(shop_id=shop_id, kind=kind, since=since, resource=RESOURCES[0])
        session.add(sync)
        await session.flush()
        assert sync.id is not None
        return sync.id


async def sync_store(
    runtime: Runtime,
    shop_id: int,
    kind: SyncKind,
    since: datetime,
    progress: Progress | None = None,
) -> StoreSync:
    """A whole pass in one go (the CLI and tests); jobs run it in chunks (`run_chunk`)."""
    sync_id = await start_sync(runtime, shop_id, kind, since)
    await run_chunk(runtime, sync_id, NO_LIMIT, progress)
    return await get_sync(runtime, sync_id)


async def run_chunk(
    runtime: Runtime, sync_id: int, budget: timedelta, progress: Progress | None = None
) -> bool:
    """Read pages until the pass is done (True) or `budget` is spent (False)."""
    sync = await get_sync(runtime, sync_id)
    if sync.status is not SyncStatus.RUNNING:
        return True
    deadline = None if budget == NO_LIMIT else utcnow() + budget
    async with runtime.transaction() as session:
        shop = await shops.require_shop(session, sync.shop_id)
    client = client_for(shops.connection_for(runtime, shop), runtime.http, runtime.settings)
    ahead = _PageAhead(client, sync.since)
    # Records of this chunk's current resource: when they double, the tables they go to did.
    resource, first = sync.resource, sync.records
    try:
        while sync.status is SyncStatus.RUNNING:
            before = sync.records - first
            if _exportable(runtime, sync) and (
                exporting := await export.wanted(client, sync.since)
            ):
                sync = await _export(runtime, sync, exporting, client, progress)
                resource, first = sync.resource, sync.records
                if progress is not None:
                    progress(sync)
                continue
            sync = await again_after_deadlock(  # at least one page a chunk
                partial(_read_page, runtime, sync_id, ahead), f"a page of pass {sync_id}"
            )
            if sync.kind is SyncKind.BACKFILL and _doubled(before, sync.records - first):
                await _refresh_statistics(runtime)
            if sync.resource != resource:
                resource, first = sync.resource, sync.records
            if progress is not None:
                progress(sync)
            if sync.status is SyncStatus.RUNNING and deadline is not None and utcnow() >= deadline:
                return False
    except Exception as error:
        await _fail(runtime, sync_id, error)
        raise
    finally:
        ahead.cancel()
    return True


# A backfill is a bulk load: planner statistics taken when the mirror was empty (or before
# autovacuum's next visit, which waits for 10 % of a table to change) turn its per-page look-ups
# and the order lines' foreign-key checks into scans (measured: 80 → 620 orders/s at 30 k
# orders after one ANALYZE). So a chunk refreshes them each time it has doubled the records it
# wrote of one resource, from a thousand on.
ANALYZE_FROM = 1024
MIRROR_TABLES = ("customers", "orders", "order_lines", "refunds", "checkouts")


def _doubled(before: int, after: int) -> bool:
    return after >= ANALYZE_FROM and after.bit_length() > max(before, 1).bit_length()


async def _refresh_statistics(runtime: Runtime) -> None:
    async with runtime.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            await session.exec(text(f"ANALYZE {', '.join(MIRROR_TABLES)}"))  # type: ignore[call-overload]


def _exportable(runtime: Runtime, sync: StoreSync) -> bool:
    """At the start of a backfill's orders, on PostgreSQL: where a store's history export may
    take over. On SQLite (the embedded default) a batch of thousands would hold the one writer
    for long stretches and the live webhooks would wait behind it; pages of 100 take turns."""
    return (
        runtime.engine.dialect.name == "postgresql"
        and sync.kind is SyncKind.BACKFILL
        and sync.resource == "orders"
        and sync.cursor is None
    )


async def _export(
    runtime: Runtime,
    sync: StoreSync,
    exporting: HistoryExport,
    client: StoreClient,
    progress: Progress | None,
) -> StoreSync:
    """The backfill's orders from the store's export (`ingest.export`); then the pass moves
    on to the next resource. A chunk's time budget does not cut an export short."""
    assert sync.id is not None
    sync_id, first = sync.id, sync.records

    async def written(records: int) -> StoreSync:
        async with runtime.transaction() as session:
            row = await session.get(StoreSync, sync_id, with_for_update=True)
            assert row is not None
            before = row.records - first
            row.records += records
        if _doubled(before, row.records - first):
            await _refresh_statistics(runtime)
        if progress is not None:
            progress(row)
        return row

    await export.export_orders(runtime, sync.shop_id, exporting, sync.since, client, written)
    async with runtime.transaction() as session:
        row = await session.get(StoreSync, sync_id, with_for_update=True)
        assert row is not None
        following = _next_position("orders", None)
        assert following is not None  # checkouts follow orders
        row.resource, row.cursor = following
        return row


Position = tuple[str, str | None]  # (resource, cursor)


class _PageAhead:
    """Reads the next page while this one is applied: the store's API and our database work
    overlap instead of taking turns (a backfill spends about as long on each)."""

    def __init__(self, client: StoreClient, since: datetime) -> None:
        self.client, self._since = client, since
        self._ahead: tuple[Position, asyncio.Task[Page]] | None = None

    async def page(self, position: Position) -> Page:
        """The page at `position`: the one read ahead if it is that one."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            read_position, task = ahead
            if read_position == position:
                return await task
            _discard(task)
        return await self._read(position)

    def read_ahead(self, position: Position | None) -> None:
        self.cancel()
        if position is not None:
            self._ahead = (position, asyncio.create_task(self._read(position)))

    def cancel(self) -> None:
        if self._ahead is not None:
            _discard(self._ahead[1])
            self._ahead = None

    async def _read(self, position: Position) -> Page:
        resource, cursor = position
        return await _lister(self.client, resource)(self._since, cursor)


def _discard(task: asyncio.Task[Page]) -> None:
    task.cancel()
    if task.done() and not task.cancelled():
        task.exception()  # a failed read nobody needs any more: not an error to log


async def _read_page(runtime: Runtime, sync_id: int, ahead: _PageAhead) -> StoreSync:
    """Read the page the pass is at, apply it, and move the pass on, in one transaction."""
    async with runtime.transaction() as session:
        sync = await session.get(StoreSync, sync_id, with_for_update=True)
        assert sync is not None
        shop = await shops.require_shop(session, sync.shop_id)
        page = await ahead.page((sync.resource, sync.cursor))
        following = _next_position(sync.resource, page.next_cursor)
        ahead.read_ahead(following)
        adapter = adapter_for(shop.platform)
        events = [
            event
            for record in page.items
            for event in adapter.normalise_record(sync.resource, record, shop.currency)
        ]
        await ingest(session, shop, events, lambda: ahead.client)  # the page's orders at once
        sync.records += len(page.items)
        if following is None:
            sync.status, sync.cursor, sync.finished_at = SyncStatus.DONE, None, utcnow()
        else:
            sync.resource, sync.cursor = following
        return sync


def _next_position(resource: str, next_cursor: str | None) -> Position | None:
    """Where the pass goes after a page of `resource`: its next page, the next resource, or
    nowhere (done)."""
    if next_cursor is not None:
        return resource, next_cursor
    position = RESOURCES.index(resource)
    return (RESOURCES[position + 1], None) if position + 1 < len(RESOURCES) else None


async def reconcile_since(runtime: Runtime, shop_id: int) -> datetime:
    """Where the next reconciliation starts: the last good one's start, less an overlap."""
    async with runtime.transaction() as session:
        statement = (
            select(StoreSync.started_at)
            .where(StoreSync.shop_id == shop_id, StoreSync.status == SyncStatus.DONE)
            .order_by(col(StoreSync.started_at).desc())
            .limit(1)
        )
        last = (await session.exec(statement)).first()
    return (last - RECONCILE_OVERLAP) if last else utcnow() - FIRST_RECONCILE_WINDOW


async def get_sync(runtime: Runtime, sync_id: int) -> StoreSync:
    async with runtime.transaction() as session:
        sync = await session.get(StoreSync, sync_id)
        assert sync is not None, f"no sync {sync_id}"
        return sync


def _lister(
    client: StoreClient, resource: str
) -> Callable[[datetime, str | None], Awaitable[Page]]:
    listers = {
        "orders": client.list_orders,
        "checkouts": client.list_checkouts,
        "customers": client.list_customers,
    }
    return listers[resource]


async def _fail(runtime: Runtime, sync_id: int, error: BaseException) -> None:
    async with runtime.transaction() as session:
        sync = await session.get(StoreSync, sync_id)
        if sync is not None:
            sync.error = f"{type(error).__name__}: {error}"[:2000]
