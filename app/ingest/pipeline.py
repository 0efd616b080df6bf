"""Applying a payload's events to the mirror — the one path for webhooks, reconciliation and
backfill alike — with the rollups moving in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from itertools import groupby

from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce import service
from app.commerce.repository import refund_ids
from app.integrations.base import StoreClient
from app.integrations.events import CheckoutChanged, CommerceEvent, CustomerUpserted, OrderChanged
from app.metrics.deltas import ROLLUPS
from app.shops.models import Shop


async def ingest(
    session: AsyncSession,
    shop: Shop,
    events: list[CommerceEvent],
    client: Callable[[], StoreClient],
) -> None:
    """Apply `events` in order; a run of orders (a backfill page), of checkouts or of customers
    is applied as one batch. An order naming refunds we do not hold (WooCommerce lists them
    without dates) has them fetched through `client()` (made only then), so each counts on its
    own date."""
    assert shop.id is not None
    for kind, group in groupby(events, key=type):
        run = list(group)
        if kind is OrderChanged:
            orders = [event.order for event in run if isinstance(event, OrderChanged)]
            await service.apply_orders(session, shop.id, orders, ROLLUPS)
            for order in orders:
                await _fetch_missing_refunds(session, shop.id, order.platform_id,
                                             order.refund_ids_to_fetch, client)  # fmt: skip
        elif kind is CheckoutChanged:
            checkouts = [event.checkout for event in run if isinstance(event, CheckoutChanged)]
            await service.apply_checkouts(session, shop.id, checkouts, ROLLUPS)
        elif kind is CustomerUpserted:
            customers = [event.customer for event in run if isinstance(event, CustomerUpserted)]
            await service.apply_customers(session, shop.id, customers)
        else:
            for event in run:
                await apply(session, shop.id, event)


async def apply(session: AsyncSession, shop_id: int, event: CommerceEvent) -> object | None:
    """One event to the mirror and the rollups; what it changed (None: nothing)."""
    return await service.apply(session, shop_id, event, ROLLUPS)


async def sweep_abandoned(session: AsyncSession, shop_id: int, delay: timedelta) -> int:
    """Mark the shop's stale checkouts abandoned (`commerce.service.sweep_abandoned`)."""
    return await service.sweep_abandoned(session, shop_id, delay, ROLLUPS)


async def _fetch_missing_refunds(
    session: AsyncSession,
    shop_id: int,
    order_platform_id: str,
    named: tuple[str, ...],
    client: Callable[[], StoreClient],
) -> None:
    if not named:
        return
    held = await refund_ids(session, shop_id, order_platform_id)
    if not set(named) <= held:
        for refund in await client().fetch_refunds(order_platform_id):
            await service.apply_refund(session, shop_id, refund, ROLLUPS)
