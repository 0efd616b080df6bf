"""The store's API answering 429, 5xx and timing out while deliveries that need it are handled:
each request is retried (and the job, when one request's attempts run out), so every delivery
is handled and counted once, and each refund is held once."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.models import RefundRow
from app.integrations import http as store_http
from app.integrations.platforms import Platform
from app.tasks import registry
from tests.fixtures.app import finish_jobs, running_app
from tests.fixtures.database import empty_all_tables
from tests.fixtures.payloads import payload
from tests.fixtures.platforms import FakeShopify, FakeWooCommerce
from tests.fixtures.stores import Connected, connection_settings
from tests.reliability.deliveries import send_all, woocommerce_orders
from tests.reliability.ledger import Tally, tally
from tests.webhooks.helpers import WOO_SECRET, install

STORE = "https://flaky-store.example"
ORDERS = 12
REFUNDS = re.compile(r"/wp-json/wc/v3/orders/(\d+)/refunds")
# How the store fails: first a streak longer than one request's attempts (so a job fails and is
# run again), then every third request, each kind in turn.
FAULTS = ["429", "503", "timeout", "500", "connect-timeout", "502"]
EVERY = 3


class FlakyStore:
    """A WooCommerce store's API that fails as FAULTS says, and otherwise answers refunds."""

    def __init__(self) -> None:
        self.requests = 0
        self.served: Counter[str] = Counter()
        self.unexpected: list[str] = []

    def fault(self) -> str | None:
        n, self.requests = self.requests, self.requests + 1
        if n < len(FAULTS):
            return FAULTS[n]
        return FAULTS[(n // EVERY) % len(FAULTS)] if n % EVERY == 0 else None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        found = REFUNDS.fullmatch(request.url.path)
        if found is None:
            self.unexpected.append(f"{request.method} {request.url.path}")
            return httpx.Response(404)
        fault = self.fault()
        if fault is not None:
            self.served[fault] += 1
        if fault == "timeout":
            raise httpx.ReadTimeout("the store took too long", request=request)
        if fault == "connect-timeout":
            raise httpx.ConnectTimeout("the store did not answer", request=request)
        if fault is not None:
            return httpx.Response(int(fault), headers={"Retry-After": "0"})
        return httpx.Response(200, json=[refund_of(int(found.group(1)))])


def refund_of(order_id: int) -> dict[str, Any]:
    return {**payload("woocommerce_refund"), "id": order_id * 10}


def refunded_order(order_id: int) -> dict[str, Any]:
    order = payload("woocommerce_order_refunded")
    order["id"], order["number"] = order_id, str(order_id)
    order["refunds"] = [{**order["refunds"][0], "id": order_id * 10}]
    return order


async def test_store_api_429_5xx_and_timeouts(
    pg_engine: AsyncEngine, ledger: list[Tally], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_http, "BASE_DELAY_S", 0.01)  # the backoff's shape, shorter
    await empty_all_tables(pg_engine)
    store, settings = FlakyStore(), connection_settings()
    transport = httpx.MockTransport(store)
    async with running_app(settings, registry, platforms=transport) as (app, client):
        connected = Connected(app, client, settings, FakeShopify(), FakeWooCommerce())
        shop = await install(connected, STORE, Platform.WOOCOMMERCE)
        order_ids = [5000 + n for n in range(ORDERS)]
        orders = [refunded_order(o) for o in order_ids]
        answers = await send_all(client, woocommerce_orders(STORE, orders, WOO_SECRET))
        assert set(answers) == {200}
        await finish_jobs(app)

    assert store.unexpected == []
    assert set(store.served) == set(FAULTS)  # every kind of fault was met
    async with AsyncSession(pg_engine) as session:
        refunds = Counter(r.platform_id for r in (await session.exec(select(RefundRow))).all())
    assert refunds == Counter(str(o * 10) for o in order_ids)  # each once
    result = await tally(pg_engine, shop.id or 0, "Store API 429, 5xx, timeouts", sent=ORDERS)
    ledger.append(result)
    result.assert_nothing_lost_or_doubled()
    await empty_all_tables(pg_engine)
