"""Ingest jobs: the abandonment sweep, and reconciliation and backfill in resumable chunks.
(Their task names keep the `commerce.` prefix they were queued under.)"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.changes import BackfillFinished, publish
from app.commerce.models import StoreSync, SyncKind, SyncStatus
from app.db import utcnow
from app.ingest.pipeline import sweep_abandoned
from app.ingest.sync import reconcile_since, run_chunk, start_sync
from app.integrations.platforms import Platform
from app.shops.events import ShopConnected
from app.shops.models import Shop, ShopStatus
from app.shops.tasks import check_webhooks
from app.worker import JobContext, enqueue_after_commit, registry
from app.worker.execution import max_tries_for
from app.worker.jobs import Job

# A chunk reads pages for half the job timeout, then hands over to the next chunk.
CHUNK_SHARE_OF_TIMEOUT = 0.5
# A store's history export cannot resume halfway (`ingest.export`), so the chunk that runs one
# may take this long (a million orders at the ~550/s measured on a loaded 2-core VM take half
# of it); page chunks still hand over after their budget, which the job timeout sets.
EXPORT_TIME_LIMIT = timedelta(hours=2)


@registry.task(name="commerce.sweep_abandoned")
async def sweep_abandoned_checkouts(ctx: JobContext) -> None:
    """Mark checkouts abandoned once they sit untouched past their shop's delay."""
    statement = select(Shop).where(Shop.status == ShopStatus.ACTIVE)
    for shop in (await ctx.session.exec(statement)).all():
        assert shop.id is not None
        delay = timedelta(minutes=shop.abandonment_delay_minutes)
        await sweep_abandoned(ctx.session, shop.id, delay)


registry.cron(sweep_abandoned_checkouts, second={15})


@registry.task(name="commerce.sync_chunk", timeout=EXPORT_TIME_LIMIT)
async def sync_chunk(ctx: JobContext, sync_id: int, chunk: int) -> None:
    """Carry a reconciliation or backfill pass on for a while; queue the next chunk if needed."""
    budget = timedelta(seconds=ctx.runtime.settings.job_timeout_seconds * CHUNK_SHARE_OF_TIMEOUT)
    try:
        finished = await run_chunk(ctx.runtime, sync_id, budget)
    except Exception:
        if ctx.attempt >= max_tries_for(sync_chunk, ctx.runtime.settings.job_max_tries):
            await _give_up(ctx, sync_id)
        raise
    if not finished:
        enqueue_after_commit(ctx.session, chunk_job(sync_id, chunk + 1))
        return
    sync = await ctx.session.get(StoreSync, sync_id)
    if sync is not None and sync.kind is SyncKind.BACKFILL and sync.status is SyncStatus.DONE:
        # The store's past is in (key results' daily history is taken again from it).
        publish(ctx.session, [BackfillFinished(sync.shop_id, sync_id)])


def chunk_job(sync_id: int, chunk: int) -> Job:
    return sync_chunk.job(sync_id, chunk).keyed(f"sync:{sync_id}:{chunk}")


async def _give_up(ctx: JobContext, sync_id: int) -> None:
    async with ctx.runtime.transaction() as session:
        sync = await session.get(StoreSync, sync_id)
        if sync is not None:
            sync.status, sync.finished_at = SyncStatus.FAILED, utcnow()


@registry.task(name="commerce.reconcile")
async def reconcile(ctx: JobContext, shop_id: int) -> None:
    """Read what changed in the store lately and repair what webhooks missed."""
    since = await reconcile_since(ctx.runtime, shop_id)
    sync_id = await start_sync(ctx.runtime, shop_id, SyncKind.RECONCILE, since)
    enqueue_after_commit(ctx.session, chunk_job(sync_id, 1))


@registry.task(name="commerce.reconcile_all")
async def reconcile_all(ctx: JobContext) -> None:
    """Hourly: one reconciliation job per active shop (keyed, so runs never pile up), and for a
    WooCommerce store a check of its webhooks (it disables them silently)."""
    statement = select(Shop.id, Shop.platform).where(Shop.status == ShopStatus.ACTIVE)
    for shop_id, platform in (await ctx.session.exec(statement)).all():
        if shop_id is None:
            continue
        enqueue_after_commit(ctx.session, reconcile.job(shop_id).keyed(f"reconcile:{shop_id}"))
        if platform is Platform.WOOCOMMERCE:
            check = check_webhooks.job(shop_id).keyed(f"shops.check_webhooks:{shop_id}")
            enqueue_after_commit(ctx.session, check)


registry.cron(reconcile_all, minute={7}, second={0})


@registry.task(name="commerce.backfill")
async def backfill(ctx: JobContext, shop_id: int, days: int) -> None:
    """Load the last `days` of history (at install; `storeokr backfill` for more)."""
    since = utcnow() - timedelta(days=days)
    sync_id = await start_sync(ctx.runtime, shop_id, SyncKind.BACKFILL, since)
    enqueue_after_commit(ctx.session, chunk_job(sync_id, 1))


# Shopify shows 60 days of orders without the read_all_orders scope; ask for a year.
INSTALL_BACKFILL_DAYS = 365


async def backfill_new_shop(session: AsyncSession, connected: ShopConnected) -> None:
    """A shop just connected: its history, so that key results have a past from the first
    day (subscribes to `ShopConnected`)."""
    job = backfill.job(connected.shop_id, INSTALL_BACKFILL_DAYS)
    enqueue_after_commit(session, job.keyed(f"backfill:{connected.shop_id}"))
