"""Commerce jobs: the abandonment sweep."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from app.commerce import service
from app.shops.models import Shop, ShopStatus
from app.worker import JobContext, registry


@registry.task(name="commerce.sweep_abandoned")
async def sweep_abandoned_checkouts(ctx: JobContext) -> None:
    """Mark checkouts abandoned once they sit untouched past their shop's delay."""
    statement = select(Shop).where(Shop.status == ShopStatus.ACTIVE)
    for shop in (await ctx.session.exec(statement)).all():
        assert shop.id is not None
        delay = timedelta(minutes=shop.abandonment_delay_minutes)
        await service.sweep_abandoned(ctx.session, shop.id, delay)


registry.cron(sweep_abandoned_checkouts, second={15})
