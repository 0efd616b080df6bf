"""Webhook topics about the installation itself."""

from __future__ import annotations

import logging
from typing import Any

from app.integrations.base import StoreUnauthorized
from app.integrations.clients import client_for
from app.runtime import Runtime
from app.shops import service
from app.shops.models import Shop, ShopStatus
from app.worker import JobContext

logger = logging.getLogger(__name__)


async def app_uninstalled(ctx: JobContext, shop: Shop, topic: str, payload: dict[str, Any]) -> None:
    """The merchant removed StoreOKR: stop its work and forget its credentials. Its OKRs and
    history stay until `shop/redact`, so a reinstall brings them back.

    A delivery's time is not covered by its signature, so a captured `app/uninstalled` could be
    sent again with a new time and delivery id. Shopify revokes the app's token as it uninstalls
    it: the shop is disconnected only once the store refuses our credentials too."""
    if shop.status is not ShopStatus.ACTIVE:
        return
    if await store_still_accepts_us(ctx.runtime, shop):
        logger.warning(
            "app/uninstalled for shop %s ignored: the store still accepts our credentials "
            "(a replayed delivery, or the app was installed again since)",
            shop.id,
        )
        return
    await service.mark_uninstalled(ctx.session, shop)


async def store_still_accepts_us(runtime: Runtime, shop: Shop) -> bool:
    """True when an authenticated read of the store succeeds; a store that does not answer
    raises (the job is retried), so nothing is decided on a network fault."""
    client = client_for(service.connection_for(runtime, shop), runtime.http, runtime.settings)
    try:
        await client.shop_info()
    except StoreUnauthorized:
        return False
    return True
