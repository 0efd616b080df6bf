"""The demo store: what it sends is what Shopify sends, and the service mirrors it exactly —
duplicates, reordering and late deliveries included."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.models import Checkout, Order, RefundRow
from app.db import utcnow
from app.demo.admin_api import answer
from app.demo.runner import Courier, demo_settings, demo_shops, install_demo_shop, mount
from app.demo.shoppers import DemoStore
from app.integrations.events import OrderChanged
from app.integrations.platforms import Platform
from app.integrations.shopify.normalize import normalise
from app.main import create_app
from app.metrics.rebuild import differences
from app.shops.models import Shop
from app.tasks import registry
from tests.fixtures.app import finish_jobs, running_app
from tests.fixtures.database import empty_all_tables
from tests.fixtures.settings import make_settings

BASE_URL = "http://storeokr.test"


def test_every_order_adds_up_and_is_counted_in_the_shops_currency() -> None:
    store, now = DemoStore(seed=3), utcnow()
    for minute in range(120):
        store.tick(now + timedelta(minutes=minute))
    assert len(store.orders) > 20
    assert any(o["presentment_currency"] == "USD" for o in store.orders.values())
    for body in store.orders.values():
        [event] = normalise("orders/create", body, "EUR")
        assert isinstance(event, OrderChanged)
        order = event.order
        assert order.gross - order.discounts + order.tax + order.shipping == order.total
        assert order.currency == "EUR"


@pytest.mark.parametrize("platform", [Platform.SHOPIFY, Platform.WOOCOMMERCE])
async def test_service_mirrors_the_store_once_despite_duplicates_and_reordering(
    pg_engine: AsyncEngine, platform: Platform
) -> None:
    await empty_all_tables(pg_engine)
    [shop] = [s for s in demo_shops(BASE_URL, seed=11) if s.platform is platform]
    store = shop.store
    settings = demo_settings(make_settings(), BASE_URL)
    loopback = Loopback()  # the service reaches the demo store's API inside this process
    app = create_app(settings, registry, http_transport=loopback)
    loopback.app = app
    mount(app, shop)
    async with running_app(settings, app=app) as (_, client):
        await install_demo_shop(app.state.runtime, shop)
        await finish_jobs(app)  # connected: a WooCommerce store now holds our webhook secret
        courier = Courier(client, f"{BASE_URL}{shop.webhook_path}", store.shape)
        # The quarter of an hour just gone: a delivery stamped later than the server's clock
        # (beyond the clock skew it allows) is refused as made up.
        start = utcnow() - timedelta(minutes=20)
        for second in range(0, 900, 20):  # a quarter of an hour of trading, delivered when due
            now = start + timedelta(seconds=second)
            courier.add(store.tick(now))
            await courier.send_due(now)
        await courier.send_due(start + timedelta(hours=1))
        await finish_jobs(app)

    async with AsyncSession(pg_engine) as session:
        shop_id = (await session.exec(select(Shop.id))).one()
        # Sales rollups kept by deltas through duplicates, reordering and refunds == a rebuild.
        assert await differences(session, shop_id or 0) == []
        mirrored = {o.platform_id: o for o in (await session.exec(select(Order))).all()}
        refunds = (await session.exec(select(RefundRow))).all()
        checkouts = (await session.exec(select(Checkout))).all()
    sent = {str(order_id): body for order_id, body in store.orders.items()}
    assert courier.sent > len(sent)  # duplicates and repeats were delivered...
    assert set(mirrored) == set(sent)  # ...yet every order is held once
    for order_id, body in sent.items():
        assert mirrored[order_id].total == Decimal(_total(body))
        assert mirrored[order_id].test == body.get("test", False)
    assert len(refunds) == sum(len(body["refunds"]) for body in sent.values())
    assert len(checkouts) == len(store.checkouts)
    recovered = [c for c in checkouts if c.completed_by_order and c.abandoned_at]
    assert all(c.recovered_at for c in recovered)
    await empty_all_tables(pg_engine)


class Loopback(httpx.AsyncBaseTransport):
    """An ASGI transport to an app made after the transport (the app needs it to be made)."""

    app: FastAPI | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert self.app is not None
        return await httpx.ASGITransport(app=self.app).handle_async_request(request)


def _total(body: dict[str, Any]) -> str:
    if "total_price_set" in body:  # Shopify: the shop's money
        return str(body["total_price_set"]["shop_money"]["amount"])
    return str(body["total"])  # WooCommerce: the store's currency


def test_admin_api_pages_through_every_order_once() -> None:
    store, now = DemoStore(seed=5), utcnow()
    for minute in range(120):
        store.tick(now + timedelta(minutes=minute))
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = answer(store, "query StoreOkrOrders", {"first": 7, "after": cursor})
        assert page is not None
        connection = page["orders"]
        assert len(connection["nodes"]) <= 7
        seen += [node["legacyResourceId"] for node in connection["nodes"]]
        if not connection["pageInfo"]["hasNextPage"]:
            assert connection["pageInfo"]["endCursor"] is None
            break
        cursor = connection["pageInfo"]["endCursor"]
    assert seen == [str(order_id) for order_id in store.orders]
    assert len(seen) > 14  # more than two pages
