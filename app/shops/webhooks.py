"""Webhook topics about the installation itself."""

from __future__ import annotations

from typing import Any

from app.shops import service
from app.shops.models import Shop, ShopStatus
from app.worker import JobContext


async def app_uninstalled(ctx: JobContext, shop: Shop, topic: str, payload: dict[str, Any]) -> None:
    """The merchant removed StoreOKR: stop its work and forget its credentials. Its OKRs and
    history stay until `shop/redact`, so a reinstall brings them back."""
    if shop.status is ShopStatus.ACTIVE:
        await service.mark_uninstalled(ctx.session, shop)
