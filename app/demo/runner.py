"""Running the demo store beside the service: install it as a custom app, serve its Admin API,
and post its shoppers' webhooks, signed, to the service's own webhook endpoint."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import json
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI

from app.config import Settings
from app.crypto import Vault, random_token
from app.db import utcnow
from app.demo.admin_api import DEMO_ACCESS_TOKEN, admin_api
from app.demo.catalog import (
    DEMO_ABANDONMENT_MINUTES,
    DEMO_CURRENCY,
    DEMO_NAME,
    DEMO_SHOP,
    DEMO_TIMEZONE,
)
from app.demo.experiment import replay_after_backfill
from app.demo.initiatives import start_initiatives, win_back_after_backfill
from app.demo.mail import MailSink, Readers, serve_mail
from app.demo.okrs import open_dashboard, track_recoveries
from app.demo.polls import Pollsters
from app.demo.shapes import ShopifyShape, StoreShape, WooCommerceShape
from app.demo.shoppers import Delivery, DemoStore
from app.demo.woo_api import (
    DEMO_CONSUMER_KEY,
    DEMO_CONSUMER_SECRET,
    WOO_PATH,
    woo_api,
    woo_storefront,
)
from app.initiatives.models import InitiativeType
from app.integrations.base import ShopInfo
from app.integrations.platforms import Platform
from app.integrations.shopify.credentials import ShopifyCredentials
from app.integrations.woocommerce.credentials import WooCommerceCredentials
from app.metrics.figures import local_day
from app.runtime import Runtime
from app.shops import service
from app.shops.tasks import enqueue_connect

logger = logging.getLogger(__name__)

# The demo store is a custom app: its own secret signs its webhooks.
DEMO_API_SECRET = "demo-store-custom-app-secret-0123456789abcdef"
RETRY_AFTER = timedelta(seconds=2)


MAIL_HOST = "127.0.0.1"


def demo_settings(settings: Settings, base_url: str, mail_port: int | None = None) -> Settings:
    """The service's settings, with the Admin API of every shop pointed at the demo store (on
    this machine's loopback, which stores elsewhere may not use), and its e-mail sent to the
    demo's own SMTP server (`app.demo.mail`, on a free loopback port unless `mail_port`)."""
    return settings.model_copy(
        update={
            "shopify_admin_url": f"{base_url}/demo/shopify/{{shop}}",
            "public_url": base_url,
            "allow_private_store_addresses": True,
            "smtp_host": MAIL_HOST,
            "smtp_port": mail_port or _free_port(),
            "smtp_username": "",
            "smtp_starttls": False,
            "smtp_from": f"{DEMO_NAME} <shop@nordlicht.example>",
        }
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((MAIL_HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class DemoShop:
    """One simulated store: its state and shape, and how StoreOKR connects to it."""

    store: DemoStore
    platform: Platform
    credentials: str
    webhook_secret: str
    info: ShopInfo

    @property
    def webhook_path(self) -> str:
        return f"/webhooks/{self.platform.value}"


# One tick of the past every two hours: about seven orders a day per store.
HISTORY_TICK = timedelta(hours=2)


def this_year_so_far() -> datetime:
    """The demo's past: since New Year in the demo shops' time zone (their OKR cycle's start)."""
    today = local_day(utcnow(), DEMO_TIMEZONE)
    return datetime(today.year, 1, 1, tzinfo=ZoneInfo(DEMO_TIMEZONE))


def demo_shops(base_url: str, seed: int = 7) -> list[DemoShop]:
    """A Shopify store (a custom app: its secret signs its webhooks) and a WooCommerce store
    (StoreOKR gives it a secret when it creates its webhooks)."""
    shopify_store = DemoStore(seed=seed, shape=ShopifyShape(DEMO_SHOP, DEMO_API_SECRET))
    woo_url = f"{base_url}{WOO_PATH}"
    woo_store = DemoStore(
        seed=seed + 1, shop=woo_url, shape=WooCommerceShape(woo_url), first_customer_id=6_500_000
    )
    return [
        DemoShop(
            shopify_store,
            Platform.SHOPIFY,
            ShopifyCredentials(access_token=DEMO_ACCESS_TOKEN, scope="read_orders").to_json(),
            DEMO_API_SECRET,
            ShopInfo(name=DEMO_NAME, currency=DEMO_CURRENCY, timezone=DEMO_TIMEZONE),
        ),
        DemoShop(
            woo_store,
            Platform.WOOCOMMERCE,
            WooCommerceCredentials(DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET).to_json(),
            random_token(32),
            ShopInfo(name="Nordlicht Woo (demo)", currency=DEMO_CURRENCY, timezone=DEMO_TIMEZONE),
        ),
    ]


def mount(app: FastAPI, shop: DemoShop) -> None:
    """Serve the store's API from the app."""
    if isinstance(shop.store.shape, WooCommerceShape):
        app.include_router(woo_api(shop.store, shop.store.shape))
        app.include_router(woo_storefront(shop.store))
    else:
        app.include_router(admin_api(shop.store))


async def install_demo_shop(runtime: Runtime, shop: DemoShop, *, connect: bool = True) -> int:
    """Connect StoreOKR to the demo store, as `storeokr shop add` would (`connect`: and queue
    its webhook registration and history backfill)."""
    async with runtime.transaction() as session:
        row = await service.install(
            session,
            Vault.from_settings(runtime.settings),
            platform=shop.platform,
            domain=shop.store.shop,
            credentials=shop.credentials,
            scopes="read_orders",
            webhook_secret=shop.webhook_secret,
            info=shop.info,
        )
        row.abandonment_delay_minutes = DEMO_ABANDONMENT_MINUTES
        if connect:
            enqueue_connect(session, row)
        assert row.id is not None
        return row.id


@dataclass(order=True)
class _Due:
    due: datetime
    sequence: int
    delivery: Delivery = field(compare=False)


class Courier:
    """Posts the store's deliveries when they fall due, signed as its platform signs them."""

    def __init__(self, http: httpx.AsyncClient, webhook_url: str, shape: StoreShape) -> None:
        self._http, self._url, self._shape = http, webhook_url, shape
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

    async def post(self, delivery: Delivery) -> httpx.Response | None:
        """Deliver one webhook; None while the store cannot sign yet (no secret given)."""
        body = json.dumps(delivery.body).encode()
        headers = self._shape.headers(delivery.topic, body, delivery.webhook_id, delivery.due)
        if headers is None:
            return None
        response = await self._http.post(self._url, content=body, headers=headers)
        self.sent += 1
        return response


async def simulate(
    store: DemoStore,
    courier: Courier,
    interval_s: float,
    stop: asyncio.Event,
    readers: Readers | None = None,
    pollsters: Pollsters | None = None,
) -> None:
    """Tick the store, let its shoppers read their mail and answer the survey widget, and post
    what falls due, until `stop` is set."""
    while not stop.is_set():
        now = utcnow()
        courier.add(store.tick(now))
        if readers is not None:
            try:
                courier.add(await readers.read(now))
            except httpx.HTTPError as error:
                logger.info("a demo shopper could not follow an e-mail's link (%r)", error)
        if pollsters is not None:
            try:
                await pollsters.answer(now)
            except httpx.HTTPError as error:
                logger.info("a demo shopper could not answer the survey widget (%r)", error)
        await courier.send_due(now)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_s)


def storefront_origin(domain: str) -> str:
    """The origin of a store's pages: WooCommerce's domain is its URL, Shopify's a host name."""
    return domain.rstrip("/") if domain.startswith(("https://", "http://")) else f"https://{domain}"


def attach_demo(
    app: FastAPI,
    shops: list[DemoShop],
    base_url: str,
    interval_s: float = 2.0,
    history_since: datetime | None = None,
) -> None:
    """Serve the stores' APIs from the app, and run their shoppers while the app runs (with
    `history_since`: the Shopify store first trades from then until now, a past its backfill
    finds)."""
    for shop in shops:
        # Both stores: the WooCommerce one's refunds (one request per order) are fetched before
        # its backfill pages write, and writes take turns (app/sqlite_writer.py).
        if history_since is not None:
            shop.store.trade_before(history_since, utcnow(), HISTORY_TICK)
        mount(app, shop)
    original = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(running: FastAPI) -> AsyncIterator[None]:
        async with original(running):
            runtime: Runtime = running.state.runtime
            sink = MailSink(utcnow)
            settings = runtime.settings
            mail = await serve_mail(sink, settings.smtp_host, settings.smtp_port)
            stop = asyncio.Event()
            tasks, waiters = [], []
            for number, shop in enumerate(shops):
                shop_id = await install_demo_shop(runtime, shop)
                pollsters = None
                if number == 0:  # one login link (one-time) for the first store's dashboard
                    link = await open_dashboard(runtime, shop_id)
                    logger.info("demo dashboard (one-time login link): %s", link)
                    # Its recovery and win-back e-mails, read by its shoppers.
                    made = await start_initiatives(runtime, shop_id, utcnow())
                    if made:
                        win_back = made["win_back"]
                        waiters.append(
                            asyncio.create_task(win_back_after_backfill(runtime, shop_id, win_back))
                        )
                    if made:
                        pollsters = Pollsters(
                            shop.store, runtime.http, settings, shop_id, made["survey"],
                            storefront_origin(shop.store.shop), shop.store.seed, utcnow(),
                        )  # fmt: skip
                else:  # the WooCommerce store: recovery through our cart links (no past)
                    await track_recoveries(runtime, shop_id)
                    kinds = (InitiativeType.ABANDONED_CHECKOUT,)
                    await start_initiatives(runtime, shop_id, utcnow(), kinds)
                readers = Readers(sink, shop.store, runtime.http, seed=shop.store.seed)
                courier = Courier(runtime.http, f"{base_url}{shop.webhook_path}", shop.store.shape)
                if number == 0 and made:  # the experiment with a known effect, replayed
                    waiters.append(
                        asyncio.create_task(
                            replay_after_backfill(runtime, shop.store, shop_id, courier.add)
                        )
                    )
                tasks.append(
                    asyncio.create_task(
                        simulate(shop.store, courier, interval_s, stop, readers, pollsters)
                    )
                )
            try:
                yield
            finally:
                stop.set()
                for waiter in waiters:
                    waiter.cancel()
                await asyncio.gather(*tasks)
                await asyncio.gather(*waiters, return_exceptions=True)
                mail.close()
                await mail.wait_closed()

    app.router.lifespan_context = lifespan
