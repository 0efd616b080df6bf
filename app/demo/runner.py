"""Running the demo store beside the service: install it as a custom app, serve its Admin API,
and post its shoppers' webhooks, signed, to the service's own webhook endpoint."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import httpx
from fastapi import FastAPI

from app.config import Settings
from app.crypto import Vault
from app.db import utcnow
from app.demo.admin_api import DEMO_ACCESS_TOKEN, admin_api
from app.demo.catalog import DEMO_CURRENCY, DEMO_NAME, DEMO_TIMEZONE
from app.demo.shoppers import Delivery, DemoStore
from app.integrations.base import ShopInfo
from app.integrations.shopify.credentials import ShopifyCredentials
from app.runtime import Runtime
from app.shops import service
from app.shops.models import Platform
from app.shops.tasks import enqueue_connect
from app.webhooks.verification import body_signature

logger = logging.getLogger(__name__)

# The demo store is a custom app: its own secret signs its webhooks.
DEMO_API_SECRET = "demo-store-custom-app-secret-0123456789abcdef"
DEMO_ABANDONMENT_MINUTES = 2
RETRY_AFTER = timedelta(
    seconds=2
)  # so that abandoned checkouts show within a demo's attention span


def demo_settings(settings: Settings, base_url: str) -> Settings:
    """The service's settings, with the Admin API of every shop pointed at the demo store."""
    return settings.model_copy(
        update={"shopify_admin_url": f"{base_url}/demo/shopify/{{shop}}", "public_url": base_url}
    )


async def install_demo_shop(runtime: Runtime, store: DemoStore) -> int:
    credentials = ShopifyCredentials(
        access_token=DEMO_ACCESS_TOKEN, scope="read_orders,read_checkouts"
    )
    async with runtime.transaction() as session:
        shop = await service.install(
            session,
            Vault.from_settings(runtime.settings),
            platform=Platform.SHOPIFY,
            domain=store.shop,
            credentials=credentials.to_json(),
            scopes=credentials.scope,
            webhook_secret=DEMO_API_SECRET,
            info=ShopInfo(name=DEMO_NAME, currency=DEMO_CURRENCY, timezone=DEMO_TIMEZONE),
        )
        shop.abandonment_delay_minutes = DEMO_ABANDONMENT_MINUTES
        enqueue_connect(session, shop)
        assert shop.id is not None
        return shop.id


@dataclass(order=True)
class _Due:
    due: datetime
    sequence: int
    delivery: Delivery = field(compare=False)


class Courier:
    """Posts the store's deliveries when they fall due, signed as Shopify signs them."""

    def __init__(self, http: httpx.AsyncClient, webhook_url: str, shop: str) -> None:
        self._http, self._url, self._shop = http, webhook_url, shop
        self._queue: list[_Due] = []
        self._sequence = 0
        self.sent = 0

    def add(self, deliveries: list[Delivery]) -> None:
        for delivery in deliveries:
            self._sequence += 1
            heapq.heappush(self._queue, _Due(delivery.due, self._sequence, delivery))

    async def send_due(self, now: datetime) -> None:
        while self._queue and self._queue[0].due <= now:
            delivery = heapq.heappop(self._queue).delivery
            try:
                response = await self.post(delivery)
            except httpx.HTTPError as error:
                response = None
                logger.info("demo webhook not delivered yet (%r); retrying", error)
            if response is None or response.status_code >= 500:
                # Like Shopify: a failed delivery is tried again a little later.
                self.add([replace(delivery, due=now + RETRY_AFTER)])
                return

    async def post(self, delivery: Delivery) -> httpx.Response:
        body = json.dumps(delivery.body).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": delivery.topic,
            "X-Shopify-Shop-Domain": self._shop,
            "X-Shopify-Hmac-Sha256": body_signature(DEMO_API_SECRET, body),
            "X-Shopify-Webhook-Id": delivery.webhook_id,
            "X-Shopify-API-Version": "2026-10",
            "X-Shopify-Triggered-At": delivery.due.isoformat(),
        }
        response = await self._http.post(self._url, content=body, headers=headers)
        self.sent += 1
        return response


async def simulate(
    store: DemoStore, courier: Courier, interval_s: float, stop: asyncio.Event
) -> None:
    """Tick the store and post what falls due, until `stop` is set."""
    while not stop.is_set():
        now = utcnow()
        courier.add(store.tick(now))
        await courier.send_due(now)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_s)


def attach_demo(app: FastAPI, store: DemoStore, base_url: str, interval_s: float = 2.0) -> None:
    """Serve the store's Admin API from the app, and run its shoppers while the app runs."""
    app.include_router(admin_api(store))
    original = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(running: FastAPI) -> AsyncIterator[None]:
        async with original(running):
            runtime: Runtime = running.state.runtime
            await install_demo_shop(runtime, store)
            stop = asyncio.Event()
            courier = Courier(runtime.http, f"{base_url}/webhooks/shopify", store.shop)
            task = asyncio.create_task(simulate(store, courier, interval_s, stop))
            try:
                yield
            finally:
                stop.set()
                await task

    app.router.lifespan_context = lifespan
