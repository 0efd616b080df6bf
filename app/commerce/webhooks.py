"""Commerce topics: normalise the payload, apply its events to the mirror."""

from __future__ import annotations

from typing import Any

from app.commerce import service
from app.commerce.events import OrderChanged
from app.commerce.repository import refund_ids
from app.integrations import normalizers
from app.integrations.clients import client_for
from app.shops import service as shops
from app.shops.models import Shop
from app.worker import JobContext


async def handle(ctx: JobContext, shop: Shop, topic: str, payload: dict[str, Any]) -> None:
    assert shop.id is not None
    events = normalizers.normalise(shop.platform.value, topic, payload, shop.currency)
    for event in events:
        await service.apply(ctx.session, shop.id, event)
        if isinstance(event, OrderChanged) and event.order.refund_ids_to_fetch:
            await _fetch_missing_refunds(ctx, shop, event)


async def _fetch_missing_refunds(ctx: JobContext, shop: Shop, event: OrderChanged) -> None:
    """WooCommerce names refunds without their dates: fetch the ones we do not hold yet, so
    each counts on its own date (METRICS.md), never on the day we first saw it."""
    assert shop.id is not None
    held = await refund_ids(ctx.session, shop.id, event.order.platform_id)
    if set(event.order.refund_ids_to_fetch) <= held:
        return
    runtime = ctx.runtime
    client = client_for(shops.connection_for(runtime, shop), runtime.http, runtime.settings)
    for refund in await client.fetch_refunds(event.order.platform_id):
        await service.apply_refund(ctx.session, shop.id, refund)
