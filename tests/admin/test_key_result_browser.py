"""The key-result page in a real browser: a check-in typed into the form joins the history and
the chart without a reload; a refused one comes back with its error beside the field."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import Browser, expect
from sqlmodel.ext.asyncio.session import AsyncSession

from app.okr.service import today_for
from app.shops.models import Shop
from tests.admin.browser import (
    PATIENCE_MS,
    post_order_now,
    signed_in_shop,
    with_net_sales_key_result,
)
from tests.fixtures.objects import create_okr

SHOP = "key-result-browser.myshopify.com"
LIVE_SHOP = "key-result-live.myshopify.com"


async def test_a_check_in_through_the_form_joins_the_history_without_a_reload(
    server: str, browser: Browser
) -> None:
    made: dict[str, int] = {}

    async def page_load_key_result(session: AsyncSession, shop: Shop) -> None:
        cycle, _objective, kr = await create_okr(session, shop.id or 0)
        today = today_for(shop)
        cycle.start, cycle.end = today - timedelta(days=20), today + timedelta(days=20)
        kr.unit = "s"
        made["kr"] = kr.id or 0

    link = await signed_in_shop(server, SHOP, page_load_key_result)
    page = await browser.new_page()
    await page.goto(link)  # signs in
    await page.goto(f"{server}/admin/key-results/{made['kr']}")
    await page.wait_for_function("window.htmx !== undefined")
    await page.evaluate("window.sameDocument = true")  # gone if the page reloads
    points = page.locator("svg .chart-point")
    await expect(points).to_have_count(1)  # the start value, live

    save = page.get_by_role("button", name="Save check-in")
    await save.click()  # no value: refused
    value = page.get_by_role("textbox", name="Value (s)")
    await expect(page.locator("#check-in-value-error")).to_contain_text("value checked in")
    await expect(value).to_have_attribute("aria-invalid", "true")
    await expect(value).to_be_focused()

    await value.fill("2.9")
    await page.get_by_role("spinbutton", name="Confidence").fill("8")
    await page.get_by_role("textbox", name="Comment").fill("Images compressed")
    await save.click()

    row = page.get_by_test_id("check-in")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("Images compressed")
    await expect(row).to_contain_text("2.90 s")
    await expect(page.get_by_role("status")).to_have_text("Check-in saved.")
    await expect(points).to_have_count(2)
    await expect(page.locator("#check-in-value-error")).to_have_count(0)
    assert await page.evaluate("window.sameDocument") is True
    assert page.url == f"{server}/admin/key-results/{made['kr']}"


async def test_an_order_moves_the_open_key_result_page_but_not_the_form_being_typed(
    server: str, browser: Browser
) -> None:
    link = await signed_in_shop(server, LIVE_SHOP, with_net_sales_key_result)
    page = await browser.new_page()
    await page.goto(link)
    kr_link = page.locator("tr[data-key-result] a")
    await kr_link.click()
    await page.wait_for_function("window.htmx !== undefined")
    await page.evaluate("window.sameDocument = true")
    value = page.locator("#key-result-live").get_by_test_id("kr-value")
    await expect(value).to_have_text("€0.00")
    comment = page.get_by_role("textbox", name="Comment")
    await comment.fill("Half-typed")

    await post_order_now(server, LIVE_SHOP)

    await expect(value).not_to_have_text("€0.00", timeout=PATIENCE_MS)
    await expect(comment).to_have_value("Half-typed")
    assert await page.evaluate("window.sameDocument") is True
