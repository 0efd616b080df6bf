"""Deliveries as a platform sends them, and sending them as a platform does: a delivery that is
not answered 2xx is sent again (the same delivery id), a bounded number of times."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.webhooks.models import WebhookEvent
from tests.fixtures.payloads import payload
from tests.fixtures.webhooks import shopify_delivery, woocommerce_delivery

PLATFORM_RETRIES = 8  # Shopify's, before it gives a delivery up


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    headers: dict[str, str]
    body: bytes
    path: str = "/webhooks/shopify"


def shopify_orders(shop: str, count: int, first_id: int = 10_000) -> list[Delivery]:
    """`count` new orders, one delivery each."""
    deliveries = []
    for n in range(count):
        order = {**payload("shopify_order"), "id": first_id + n, "name": f"#{first_id + n}"}
        headers, body = shopify_delivery(shop, "orders/create", order)
        deliveries.append(Delivery(headers["X-Shopify-Webhook-Id"], headers, body))
    return deliveries


def woocommerce_orders(
    store_url: str, orders: Sequence[dict[str, Any]], secret: str
) -> list[Delivery]:
    """One `order.updated` delivery for each order."""
    deliveries = []
    for order in orders:
        headers, body = woocommerce_delivery(store_url, "order.updated", order, secret=secret)
        delivery_id = headers["X-WC-Webhook-Delivery-ID"]
        deliveries.append(Delivery(delivery_id, headers, body, "/webhooks/woocommerce"))
    return deliveries


async def post(client: httpx.AsyncClient, delivery: Delivery) -> int:
    response = await client.post(delivery.path, headers=delivery.headers, content=delivery.body)
    return response.status_code


async def stored_ids(engine: AsyncEngine, delivery_ids: Sequence[str]) -> set[str]:
    async with AsyncSession(engine) as session:
        statement = select(WebhookEvent.delivery_id).where(
            col(WebhookEvent.delivery_id).in_(list(delivery_ids))
        )
        return set((await session.exec(statement)).all())


async def send_all(
    client: httpx.AsyncClient, deliveries: Sequence[Delivery], concurrency: int = 8
) -> list[int]:
    """Each delivery's first answer, sent `concurrency` at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def one(delivery: Delivery) -> int:
        async with gate:
            return await post(client, delivery)

    return list(await asyncio.gather(*(one(d) for d in deliveries)))


async def retry_until_accepted(client: httpx.AsyncClient, deliveries: Sequence[Delivery]) -> None:
    """The platform's retries of deliveries that were not answered 2xx."""
    for delivery in deliveries:
        for _ in range(PLATFORM_RETRIES):
            if await post(client, delivery) == 200:
                break
        else:
            raise AssertionError(f"delivery {delivery.delivery_id} was never accepted")
