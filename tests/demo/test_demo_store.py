"""The demo store: what it sends is what Shopify sends, and the service mirrors it exactly —
duplicates, reordering and late deliveries included."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.events import OrderChanged
from app.commerce.models import Checkout, Order, RefundRow
from app.db import utcnow
from app.demo.admin_api import admin_api
from app.demo.runner import Courier, demo_settings, install_demo_shop
from app.demo.shoppers import DemoStore
from app.integrations.shopify.normalize import normalise
from app.main import create_app
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


async def test_service_mirrors_the_store_once_despite_duplicates_and_reordering(
    pg_engine: AsyncEngine,
) -> None:
    await empty_all_tables(pg_engine)
    store = DemoStore(seed=11)
    settings = demo_settings(make_settings(), BASE_URL)
    app = create_app(settings, registry)
    app.include_router(admin_api(store))
    async with running_app(settings, app=app, platforms=httpx.ASGITransport(app=app)) as (
        _,
        client,
    ):
        await install_demo_shop(app.state.runtime, store)
        courier = Courier(client, f"{BASE_URL}/webhooks/shopify", store.shop)
        start = utcnow()
        for second in range(0, 1800, 20):  # half an hour of trading, delivered as it falls due
            now = start + timedelta(seconds=second)
            courier.add(store.tick(now))
            await courier.send_due(now)
        await courier.send_due(start + timedelta(hours=1))
        await finish_jobs(app)

    async with AsyncSession(pg_engine) as session:
        mirrored = {o.platform_id: o for o in (await session.exec(select(Order))).all()}
        refunds = (await session.exec(select(RefundRow))).all()
        checkouts = (await session.exec(select(Checkout))).all()
    sent = {str(order_id): body for order_id, body in store.orders.items()}
    assert courier.sent > len(sent)  # duplicates and repeats were delivered...
    assert set(mirrored) == set(sent)  # ...yet every order is held once
    for order_id, body in sent.items():
        assert mirrored[order_id].total == Decimal(body["total_price_set"]["shop_money"]["amount"])
        assert mirrored[order_id].test == body["test"]
    assert len(refunds) == sum(len(body["refunds"]) for body in sent.values())
    assert len(checkouts) == len(store.checkouts)
    recovered = [c for c in checkouts if c.completed_by_order and c.abandoned_at]
    assert all(c.recovered_at for c in recovered)
    await empty_all_tables(pg_engine)
