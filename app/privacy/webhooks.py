"""Shopify's mandatory privacy topics."""

from __future__ import annotations

from typing import Any

from app.privacy import service
from app.privacy.customers import CustomerRef
from app.shops.models import Shop
from app.worker import JobContext


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
        ctx.session, shop.id, customer_of(payload), str(request_id) if request_id else None
    )


async def customers_redact(
    ctx: JobContext, shop: Shop, topic: str, payload: dict[str, Any]
) -> None:
    assert shop.id is not None
    await service.erase_customer(ctx.session, shop.id, customer_of(payload))


async def shop_redact(ctx: JobContext, shop: Shop, topic: str, payload: dict[str, Any]) -> None:
    assert shop.id is not None
    await service.erase_shop(ctx.session, shop.id)
