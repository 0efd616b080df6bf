"""Acceptance (#9, 1): with the dashboard open in a real browser (Debian's chromium driven by
Playwright), a signed order webhook moves the key result's value and score on the page
without a reload."""

from __future__ import annotations

from decimal import Decimal

from playwright.async_api import Browser, expect

from app.admin.formats import money
from tests.admin.browser import (
    PATIENCE_MS,
    post_order_now,
    signed_in_shop,
    with_net_sales_key_result,
)

SHOP = "dashboard.myshopify.com"


async def test_an_order_webhook_moves_the_open_dashboard_without_a_reload(
    server: str, browser: Browser
) -> None:
    link = await signed_in_shop(server, SHOP, with_net_sales_key_result)
    page = await browser.new_page()
    await page.goto(link)  # the login link signs in and opens the dashboard
    value = page.get_by_test_id("kr-value")
    score = page.get_by_test_id("kr-score")
    await expect(value).to_have_text("€0.00")
    await expect(score).to_have_text("0.00")
    await page.wait_for_function("window.htmx !== undefined")

    await post_order_now(server, SHOP)

    await expect(value).not_to_have_text("€0.00", timeout=PATIENCE_MS)
    await expect(score).not_to_have_text("0.00", timeout=PATIENCE_MS)
    assert page.url == f"{server}/"  # no reload, no navigation
    # What the page shows is what the API computes for the key result.
    kr_id = await page.locator("tr[data-key-result]").get_attribute("data-key-result")
    answer = await page.request.get(f"{server}/api/v1/key-results/{kr_id}")
    status = (await answer.json())["status"]
    await expect(value).to_have_text(money(Decimal(status["value"]), "EUR"))
    await expect(score).to_have_text(f"{status['score']:.2f}")
