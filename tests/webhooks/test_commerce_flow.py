"""Commerce webhooks end to end: signed delivery → inbox → job → mirror."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from app.commerce.models import Order, RefundRow
from app.integrations.platforms import Platform
from tests.fixtures.app import finish_jobs
from tests.fixtures.payloads import payload
from tests.fixtures.stores import Connected
from tests.fixtures.webhooks import shopify_delivery, woocommerce_delivery
from tests.shops.helpers import count_rows
from tests.webhooks.helpers import WOO_SECRET, install

SHOP = "mirror.myshopify.com"
STORE = "https://store.example"


async def orders(connected: Connected) -> list[Order]:
    async with connected.app.state.runtime.transaction() as session:
        return list((await session.exec(select(Order))).all())


async def test_same_delivery_ten_times_at_once_is_one_order(
    connected: Connected, pg_engine: AsyncEngine
) -> None:
    await install(connected, SHOP)
    headers, body = shopify_delivery(
        SHOP, "orders/create", payload("shopify_order"), webhook_id="d-1"
    )

    await asyncio.gather(
        *(
            connected.client.post("/webhooks/shopify", headers=headers, content=body)
            for _ in range(10)
        )
    )
    await finish_jobs(connected.app)

    assert await count_rows(pg_engine, "webhook_events") == 1
    [order] = await orders(connected)
    assert order.total == Decimal("186.62")


async def test_out_of_order_deliveries_leave_the_newest_state(connected: Connected) -> None:
    await install(connected, SHOP)
    newer = shopify_delivery(SHOP, "orders/updated", payload("shopify_order_edited"))
    older = shopify_delivery(SHOP, "orders/create", payload("shopify_order"))

    for headers, body in (newer, older):  # the update arrives first, the creation late
        await connected.client.post("/webhooks/shopify", headers=headers, content=body)
        await finish_jobs(connected.app)

    [order] = await orders(connected)
    assert order.current_total == Decimal("165.30")


async def test_woocommerce_refund_is_fetched_for_its_own_date(connected: Connected) -> None:
    await install(connected, STORE, Platform.WOOCOMMERCE)
    connected.woocommerce.refunds["4180"] = [payload("woocommerce_refund")]
    headers, body = woocommerce_delivery(
        STORE, "order.updated", payload("woocommerce_order_refunded"), secret=WOO_SECRET
    )

    response = await connected.client.post("/webhooks/woocommerce", headers=headers, content=body)
    await finish_jobs(connected.app)

    assert response.status_code == 200
    async with connected.app.state.runtime.transaction() as session:
        [refund] = (await session.exec(select(RefundRow))).all()
    assert refund.platform_id == "726"
    assert refund.amount == Decimal("8.33")
    assert refund.refunded_at.isoformat() == "2026-11-29T10:15:42+00:00"
