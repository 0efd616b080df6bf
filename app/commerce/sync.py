"""Reading the store's API into the mirror: hourly reconciliation and history backfill.

Both page through `StoreClient.list_*` and write through `ingest`, exactly as webhooks do, so a
record already held changes nothing and a missed webhook is repaired. One transaction per
page, with the pass's position saved in it: a pass runs in short chunks (jobs stay short) and
resumes where it stopped, after a chunk's time is up or a worker died."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlmodel import col, select

from app.commerce.ingest import ingest
from app.commerce.models import StoreSync, SyncKind, SyncStatus
from app.db import utcnow
from app.integrations.base import Page, StoreClient
from app.integrations.clients import client_for
from app.integrations.normalizers import RESOURCES, normalise_record
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
    try:
        while sync.status is SyncStatus.RUNNING:
            sync = await _read_page(runtime, sync_id, client)  # at least one page a chunk
            if progress is not None:
                progress(sync)
            if sync.status is SyncStatus.RUNNING and deadline is not None and utcnow() >= deadline:
                return False
    except Exception as error:
        await _fail(runtime, sync_id, error)
        raise
    return True


async def _read_page(runtime: Runtime, sync_id: int, client: StoreClient) -> StoreSync:
    """Read the page the pass is at, apply it, and move the pass on, in one transaction."""
    async with runtime.transaction() as session:
        sync = await session.get(StoreSync, sync_id, with_for_update=True)
        assert sync is not None
        shop = await shops.require_shop(session, sync.shop_id)
        page = await _lister(client, sync.resource)(sync.since, sync.cursor)
        for record in page.items:
            events = normalise_record(shop.platform.value, sync.resource, record, shop.currency)
            await ingest(session, shop, events, lambda: client)
        sync.records += len(page.items)
        _advance(sync, page.next_cursor)
        return sync


def _advance(sync: StoreSync, next_cursor: str | None) -> None:
    if next_cursor is not None:
        sync.cursor = next_cursor
        return
    position = RESOURCES.index(sync.resource)
    if position + 1 < len(RESOURCES):
        sync.resource, sync.cursor = RESOURCES[position + 1], None
    else:
        sync.status, sync.cursor, sync.finished_at = SyncStatus.DONE, None, utcnow()


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
