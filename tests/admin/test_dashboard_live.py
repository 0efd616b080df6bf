"""Acceptance (#9, 1): with the dashboard open in a real browser (Debian's chromium driven by
Playwright), a signed order webhook moves the key result's value and score on the page within
2 s, without a reload."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
import uvicorn
from playwright.async_api import async_playwright, expect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import create_engine, utcnow
from app.demo.okrs import add_revenue_objective
from app.main import create_app
from app.shops.login_links import create_login_link
from app.tasks import registry
from tests.fixtures.database import empty_all_tables
from tests.fixtures.network import free_port
from tests.fixtures.objects import create_shop
from tests.fixtures.payloads import payload
from tests.fixtures.stores import connection_settings
from tests.fixtures.waiting import eventually
from tests.fixtures.webhooks import shopify_delivery

CHROMIUM = "/usr/bin/chromium"
SHOP = "dashboard.myshopify.com"


@pytest.fixture
async def server(pg_engine: AsyncEngine) -> AsyncIterator[str]:
    """The real app on a real port (embedded jobs, in-process live messages)."""
    await empty_all_tables(pg_engine)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = connection_settings().model_copy(update={"public_url": url})
    app = create_app(settings, registry)
    config = uvicorn.Config(app, port=port, log_level="warning", lifespan="on")
    running = uvicorn.Server(config)
    task = asyncio.create_task(running.serve())

    async def started() -> bool:
        return running.started

    await eventually(started, 30, "the server to start")
    try:
        yield url
    finally:
        running.should_exit = True
        await task
        await empty_all_tables(pg_engine)


async def login_with_a_key_result(url: str) -> str:
    """A shop with a net-sales key result in this year's cycle; its one-time login link."""
    settings = connection_settings().model_copy(update={"public_url": url})
    engine = create_engine(settings)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            shop = await create_shop(session, domain=SHOP, timezone="UTC")
            await add_revenue_objective(session, shop, [("Net sales", "net_sales", Decimal(1000))])
            return await create_login_link(session, settings, shop)
    finally:
        await engine.dispose()


async def test_an_order_webhook_moves_the_open_dashboard_within_two_seconds(server: str) -> None:
    link = await login_with_a_key_result(server)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            page = await browser.new_page()
            await page.goto(link)  # the login link signs in and opens the dashboard
            value = page.get_by_test_id("kr-value")
            score = page.get_by_test_id("kr-score")
            await expect(value).to_have_text("0.00 EUR")
            await expect(score).to_have_text("0.00")
            await page.wait_for_function("window.htmx !== undefined")

            now = utcnow().replace(microsecond=0).isoformat()
            order = {**payload("shopify_order"), "created_at": now, "updated_at": now}
            headers, body = shopify_delivery(SHOP, "orders/create", order)
            async with httpx.AsyncClient(base_url=server) as client:
                posted = await client.post("/webhooks/shopify", headers=headers, content=body)
            assert posted.status_code == 200

            await expect(value).not_to_have_text("0.00 EUR", timeout=2000)
            await expect(score).not_to_have_text("0.00", timeout=2000)
            assert page.url == f"{server}/"  # no reload, no navigation
            # What the page shows is what the API computes for the key result.
            kr_id = await page.locator("tr[data-key-result]").get_attribute("data-key-result")
            answer = await page.request.get(f"{server}/api/v1/key-results/{kr_id}")
            status = (await answer.json())["status"]
            await expect(value).to_have_text(f"{Decimal(status['value']):,.2f} EUR")
            await expect(score).to_have_text(f"{status['score']:.2f}")
        finally:
            await browser.close()
