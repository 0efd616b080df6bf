"""Shopify's mandatory privacy topics."""

from __future__ import annotations

import logging
from typing import Any

from app.privacy import service
from app.privacy.customers import CustomerRef
from app.shops.models import Shop, ShopStatus
from app.worker import JobContext

logger = logging.getLogger(__name__)


def customer_of(payload: dict[str, Any]) -> CustomerRef:
    person = payload.get("customer") or {}
    platform_id = person.get("id")
    return CustomerRef(
        platform_id=str(platform_id) if platform_id is not None else None,
        email=person.get("email") or None,
        phone=person.get("phone") or None,
    )


async def customers_data_request(
    ctx: JobContext, shop: Shop, topic: str, payload: dict[str, Any]
) -> None:
    request_id = (payload.get("data_request") or {}).get("id")
    assert shop.id is not None
    await service.export_customer(
        ctx.session,
        shop.id,
        customer_of(payload),
        str(request_id) if request_id else None,
        ctx.runtime.personal_data,
    )


async def customers_redact(
    ctx: JobContext, shop: Shop, topic: str, payload: dict[str, Any]
) -> None:
    assert shop.id is not None
    await service.erase_customer(
        ctx.session, shop.id, customer_of(payload), ctx.runtime.personal_data
    )


async def shop_redact(ctx: JobContext, shop: Shop, topic: str, payload: dict[str, Any]) -> None:
    """Erase the shop. Shopify asks 48 hours after an uninstall; for a shop still installed the
    request is a replay (a delivery's time is not signed) and erases nothing."""
    assert shop.id is not None
    if shop.status is ShopStatus.ACTIVE:
        logger.warning("shop/redact for shop %s ignored: the shop is still installed", shop.id)
        return
    await service.erase_shop(ctx.session, shop.id)
