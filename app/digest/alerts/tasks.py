"""When key results are checked for drops: every hour, for every shop, next to the hourly job
that takes the key results' snapshots (`okr.snapshot`). Hourly rather than after each burst of
events: a status also drops with no event at all (pace falls behind as days pass without
orders), manual key results move by check-ins, and a check after every burst evaluated every
key result of the shop again and again during a backfill, slowing it down."""

from __future__ import annotations

import logging

from sqlmodel import select

from app.digest.alerts.service import check_shop
from app.shops.models import Shop, ShopStatus
from app.worker import JobContext, registry

logger = logging.getLogger(__name__)


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
