"""Commerce jobs: the abandonment sweep and reconciliation with the store."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from app.commerce import service
from app.commerce.models import SyncKind
from app.commerce.sync import reconcile_since, sync_store
from app.db import utcnow
from app.shops.models import Shop, ShopStatus
from app.worker import JobContext, enqueue_after_commit, registry


@registry.task(name="commerce.sweep_abandoned")
async def sweep_abandoned_checkouts(ctx: JobContext) -> None:
    """Mark checkouts abandoned once they sit untouched past their shop's delay."""
    statement = select(Shop).where(Shop.status == ShopStatus.ACTIVE)
    for shop in (await ctx.session.exec(statement)).all():
        assert shop.id is not None
        delay = timedelta(minutes=shop.abandonment_delay_minutes)
        await service.sweep_abandoned(ctx.session, shop.id, delay)


registry.cron(sweep_abandoned_checkouts, second={15})


@registry.task(name="commerce.reconcile", timeout=timedelta(minutes=30))
async def reconcile(ctx: JobContext, shop_id: int) -> None:
    """Read what changed in the store lately and repair what webhooks missed."""
    since = await reconcile_since(ctx.runtime, shop_id)
    await sync_store(ctx.runtime, shop_id, SyncKind.RECONCILE, since)


@registry.task(name="commerce.reconcile_all")
async def reconcile_all(ctx: JobContext) -> None:
    """Hourly: one reconciliation job per active shop (keyed, so runs never pile up)."""
    statement = select(Shop.id).where(Shop.status == ShopStatus.ACTIVE)
    for shop_id in (await ctx.session.exec(statement)).all():
        if shop_id is not None:
            enqueue_after_commit(ctx.session, reconcile.job(shop_id).keyed(f"reconcile:{shop_id}"))


registry.cron(reconcile_all, minute={7}, second={0})


@registry.task(name="commerce.backfill", timeout=timedelta(hours=6))
async def backfill(ctx: JobContext, shop_id: int, days: int) -> None:
    """Load the last `days` of history (at install; `storeokr backfill` for more)."""
    await sync_store(ctx.runtime, shop_id, SyncKind.BACKFILL, utcnow() - timedelta(days=days))
