"""Applying a payload's events to the mirror — the one path for webhooks, reconciliation and
backfill alike."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce import service
from app.commerce.events import CommerceEvent, OrderChanged
from app.commerce.repository import refund_ids
from app.integrations.base import StoreClient
from app.shops.models import Shop


async def ingest(
    session: AsyncSession,
    shop: Shop,
    events: list[CommerceEvent],
    client: Callable[[], StoreClient],
) -> None:
    """Apply `events`; an order naming refunds we do not hold (WooCommerce lists them without
    dates) has them fetched through `client()` (made only then), so each counts on its own
    date."""
    assert shop.id is not None
    for event in events:
        await service.apply(session, shop.id, event)
        if isinstance(event, OrderChanged) and event.order.refund_ids_to_fetch:
            held = await refund_ids(session, shop.id, event.order.platform_id)
            if not set(event.order.refund_ids_to_fetch) <= held:
                for refund in await client().fetch_refunds(event.order.platform_id):
                    await service.apply_refund(session, shop.id, refund)
