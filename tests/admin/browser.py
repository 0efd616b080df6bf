"""The admin in a real browser: the app on a real port (embedded jobs, in-process live
messages), a signed-in shop, and Debian's chromium driven by Playwright."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from playwright.async_api import Browser, Page, async_playwright
from playwright.async_api import Request as PageRequest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import create_engine, utcnow
from app.demo.okrs import Goal, add_revenue_objective
from app.main import create_app
from app.runtime import Runtime
from app.shops.login_links import create_login_link
from app.shops.models import Shop
from app.tasks import registry
from tests.fixtures.database import empty_all_tables
from tests.fixtures.network import free_port
from tests.fixtures.objects import create_shop
from tests.fixtures.payloads import payload
from tests.fixtures.stores import connection_settings
from tests.fixtures.waiting import eventually
from tests.fixtures.webhooks import shopify_delivery

# How long a page may take to show a live change: waited for, never timed (a loaded CI machine
# shares two cores; speed is the benchmarks' business, bench/freshness.py).
PATIENCE_MS = 30_000

CHROMIUM = "/usr/bin/chromium"


@dataclass(frozen=True)
class Served:
    """The real app on a real port: its base URL, and its runtime for what a test does beside
    the browser (a job's work, such as the alerts' check)."""

    url: str
    app: FastAPI

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime


@pytest.fixture
async def served_app(pg_engine: AsyncEngine) -> AsyncIterator[Served]:
    """The real app; every table is emptied before and after."""
    await empty_all_tables(pg_engine)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(connection_settings().model_copy(update={"public_url": url}), registry)
    running = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(running.serve())

    async def started() -> bool:
        return running.started

    await eventually(started, 30, "the server to start")
    try:
        yield Served(url, app)
    finally:
        running.should_exit = True
        await task
        await empty_all_tables(pg_engine)


@pytest.fixture
def server(served_app: Served) -> str:
    """The real app's base URL."""
    return served_app.url


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            yield launched
        finally:
            await launched.close()


Prepare = Callable[[AsyncSession, Shop], Awaitable[object]]


async def signed_in_shop(url: str, domain: str, prepare: Prepare | None = None) -> str:
    """A shop (UTC, EUR) prepared by `prepare`; its one-time login link into `url`."""
    settings = connection_settings().model_copy(update={"public_url": url})
    engine = create_engine(settings)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            shop = await create_shop(session, domain=domain, timezone="UTC")
            if prepare is not None:
                await prepare(session, shop)
            return await create_login_link(session, settings, shop)
    finally:
        await engine.dispose()


async def with_net_sales_key_result(session: AsyncSession, shop: Shop) -> None:
    """This year's revenue objective with one key result: net sales to 1 000."""
    await add_revenue_objective(session, shop, [Goal("Net sales", "net_sales", Decimal(1000))])


UNLABELLED = """() => [...document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button')]
  .filter(e => e.labels ? (e.labels.length === 0 && !e.getAttribute('aria-label')
                           && !(e.tagName === 'BUTTON' && e.textContent.trim()))
                        : false)
  .map(e => e.id || e.name || e.outerHTML.slice(0, 60))"""


async def unlabelled_controls(page: Page) -> list[str]:
    """Form controls a screen reader could not name (no label, no aria-label, no text)."""
    found: list[str] = await page.evaluate(UNLABELLED)
    return found


async def post_order_now(server: str, domain: str) -> None:
    """A signed `orders/create` webhook for an order placed now, as Shopify sends it."""
    now = utcnow().replace(microsecond=0).isoformat()
    order = {**payload("shopify_order"), "created_at": now, "updated_at": now}
    headers, body = shopify_delivery(domain, "orders/create", order)
    async with httpx.AsyncClient(base_url=server) as client:
        posted = await client.post("/webhooks/shopify", headers=headers, content=body)
    assert posted.status_code == 200


def is_document(part_of_url: str) -> Callable[[PageRequest], bool]:
    """For `page.expect_request`: a page load (not a fragment or a script) whose URL holds
    `part_of_url`."""
    return lambda request: request.resource_type == "document" and part_of_url in request.url
