"""Reading the store's API into the mirror: hourly reconciliation and history backfill.

Both page through `StoreClient.list_*` and write through `ingest`, exactly as webhooks do, so a
record already held changes nothing and a missed webhook is repaired. One transaction per
page: a crash loses at most the page in hand, and a re-run repeats nothing."""

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

Progress = Callable[[StoreSync], None]


async def sync_store(
    runtime: Runtime,
    shop_id: int,
    kind: SyncKind,
    since: datetime,
    progress: Progress | None = None,
) -> StoreSync:
    sync_id = await _start(runtime, shop_id, kind, since)
    try:
        for resource in RESOURCES:
            await _read_resource(runtime, shop_id, sync_id, resource, since, progress)
    except Exception as error:
        await _finish(runtime, sync_id, SyncStatus.FAILED, f"{type(error).__name__}: {error}")
        raise
    return await _finish(runtime, sync_id, SyncStatus.DONE, None)


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


async def _read_resource(
    runtime: Runtime,
    shop_id: int,
    sync_id: int,
    resource: str,
    since: datetime,
    progress: Progress | None,
) -> None:
    async with runtime.transaction() as session:
        shop = await shops.require_shop(session, shop_id)
    client = client_for(shops.connection_for(runtime, shop), runtime.http, runtime.settings)
    list_page = _lister(client, resource)
    cursor: str | None = None
    while True:
        async with runtime.transaction() as session:
            page = await list_page(since, cursor)
            for record in page.items:
                events = normalise_record(shop.platform.value, resource, record, shop.currency)
                await ingest(session, shop, events, lambda: client)
            sync = await session.get(StoreSync, sync_id)
            assert sync is not None
            sync.resource, sync.records = resource, sync.records + len(page.items)
        if progress is not None:
            progress(sync)
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def _lister(
    client: StoreClient, resource: str
) -> Callable[[datetime, str | None], Awaitable[Page]]:
    listers = {
        "orders": client.list_orders,
        "checkouts": client.list_checkouts,
        "customers": client.list_customers,
    }
    return listers[resource]


async def _start(runtime: Runtime, shop_id: int, kind: SyncKind, since: datetime) -> int:
    async with runtime.transaction() as session:
        sync = StoreSync(shop_id=shop_id, kind=kind, since=since)
        session.add(sync)
        await session.flush()
        assert sync.id is not None
        return sync.id


async def _finish(
    runtime: Runtime, sync_id: int, status: SyncStatus, error: str | None
) -> StoreSync:
    async with runtime.transaction() as session:
        sync = await session.get(StoreSync, sync_id)
        assert sync is not None
        sync.status, sync.error, sync.finished_at = status, error and error[:2000], utcnow()
        return sync
