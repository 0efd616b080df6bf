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
from app.integrations.events import (
    CheckoutChanged,
    CommerceEvent,
    CustomerUpserted,
    OrderChanged,
    OrderSnapshot,
    Refund,
)
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
    own date — fetched before anything is written: the transaction does not hold its write
    locks (SQLite's is the whole database) while the store answers."""
    assert shop.id is not None
    ordered = [event.order for event in events if isinstance(event, OrderChanged)]
    refunds = await _missing_refunds(session, shop.id, ordered, client)
    for kind, group in groupby(events, key=type):
        run = list(group)
        if kind is OrderChanged:
            orders = [event.order for event in run if isinstance(event, OrderChanged)]
            await _apply_orders(session, shop.id, orders)
            for order in orders:
                for refund in refunds.pop(order.platform_id, ()):
                    await service.apply_refund(session, shop.id, refund, ROLLUPS)
        elif kind is CheckoutChanged:
            checkouts = [event.checkout for event in run if isinstance(event, CheckoutChanged)]
            await service.apply_checkouts(session, shop.id, checkouts, ROLLUPS)
        elif kind is CustomerUpserted:
            customers = [event.customer for event in run if isinstance(event, CustomerUpserted)]
            await service.apply_customers(session, shop.id, customers)
        else:
            for event in run:
                await apply(session, shop.id, event)


# From this many orders in a run (a backfill's pages and batches), PostgreSQL takes them by COPY
# and set-based statements (`commerce.bulk`): a staging table costs more than it saves for the
# few orders of a webhook batch.
BULK_FROM = 50


async def _apply_orders(session: AsyncSession, shop_id: int, orders: list[OrderSnapshot]) -> None:
    if len(orders) >= BULK_FROM and session.get_bind().dialect.name == "postgresql":
        await service.apply_orders_in_bulk(session, shop_id, orders, ROLLUPS)
    else:
        await service.apply_orders(session, shop_id, orders, ROLLUPS)


async def apply(session: AsyncSession, shop_id: int, event: CommerceEvent) -> object | None:
    """One event to the mirror and the rollups; what it changed (None: nothing)."""
    return await service.apply(session, shop_id, event, ROLLUPS)


async def sweep_abandoned(session: AsyncSession, shop_id: int, delay: timedelta) -> int:
    """Mark the shop's stale checkouts abandoned (`commerce.service.sweep_abandoned`)."""
    return await service.sweep_abandoned(session, shop_id, delay, ROLLUPS)


async def _missing_refunds(
    session: AsyncSession,
    shop_id: int,
    orders: list[OrderSnapshot],
    client: Callable[[], StoreClient],
) -> dict[str, list[Refund]]:
    """The refunds of each order that names one we do not hold, by the order's id."""
    fetched: dict[str, list[Refund]] = {}
    for order in orders:
        named = set(order.refund_ids_to_fetch)
        if not named or order.platform_id in fetched:
            continue
        if not named <= await refund_ids(session, shop_id, order.platform_id):
            fetched[order.platform_id] = list(await client().fetch_refunds(order.platform_id))
    return fetched
