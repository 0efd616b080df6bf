"""When key results are checked for drops: shortly after a shop's metrics move (a domain event
subscriber, `metrics_moved`, registered in `app/wiring.py`), and every hour for every shop —
a status also drops with no event at all (pace falls behind as days pass without orders), and
manual key results move by check-ins."""

from __future__ import annotations

import logging

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.digest.alerts.service import check_shop
from app.metrics.deltas import MetricsMoved
from app.shops.models import Shop, ShopStatus
from app.worker import JobContext, enqueue_after_commit, registry
from app.worker.jobs import Job

logger = logging.getLogger(__name__)


@registry.task(name="alerts.check")
async def check_alerts(ctx: JobContext, shop_id: int) -> None:
    """The shop's key results checked for drops, its owner told."""
    await check_shop(ctx.runtime, shop_id)


def check_alerts_job(shop_id: int) -> Job:
    # Keyed: a burst of deliveries moves the metrics many times, and while one check waits or
    # runs no second one is queued. (Not deferred: the embedded runner's `drain`, which the CLI
    # and tests wait on, would wait out the delay.)
    return check_alerts.job(shop_id).keyed(f"alerts.check:{shop_id}")


async def metrics_moved(session: AsyncSession, moved: MetricsMoved) -> None:
    """The shop's metrics moved: its key results are checked (subscribes to `MetricsMoved`; a
    check already waiting takes this move too)."""
    enqueue_after_commit(session, check_alerts_job(moved.shop_id))


@registry.task(name="alerts.sweep")
async def sweep_alerts(ctx: JobContext) -> None:
    """Every active shop's key results checked; one shop's failure leaves the others checked
    (its weeks were given back: the next run tells it)."""
    statement = select(Shop.id).where(Shop.status == ShopStatus.ACTIVE)
    for shop_id in (await ctx.session.exec(statement)).all():
        try:
            await check_shop(ctx.runtime, shop_id or 0)
        except Exception:
            logger.exception("alerts of shop %s failed; the next run tries again", shop_id)


registry.cron(sweep_alerts, minute={20}, second={0})
