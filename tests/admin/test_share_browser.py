"""Acceptance (#9, 3) in a real browser (Debian's chromium driven by Playwright): a share link
made on the Sharing page shows the dashboard read-only to a visitor with no sign-in, and is a
404 once revoked with the page's button; its TV mode moves when an order webhook arrives."""

from __future__ import annotations

from playwright.async_api import Browser, expect
from sqlmodel.ext.asyncio.session import AsyncSession

from app.sharing import links
from app.shops.models import Shop
from tests.admin.browser import (
    PATIENCE_MS,
    post_order_now,
    signed_in_shop,
    with_net_sales_key_result,
)
from tests.fixtures.stores import connection_settings

SHOP = "share-browser.myshopify.com"


async def test_a_share_link_shows_the_dashboard_read_only_until_revoked(
    server: str, browser: Browser
) -> None:
    login = await signed_in_shop(server, SHOP, with_net_sales_key_result)
    admin = await browser.new_page()
    await admin.goto(login)
    await admin.get_by_role("link", name="Sharing").click()
    await admin.get_by_label("Name").fill("Office TV")
    await admin.get_by_label("Expires in (days)").fill("7")
    await admin.get_by_role("button", name="Create link").click()
    url = await admin.locator("#created-url").input_value()
    assert url.startswith(f"{server}/share/")

    visitor = await browser.new_context()  # no cookie: whoever the link was sent to
    page = await visitor.new_page()
    opened = await page.goto(url)
    assert opened is not None
    assert opened.status == 200
    assert opened.headers["referrer-policy"] == "no-referrer"
    await expect(page.get_by_role("heading", name="Grow revenue")).to_be_visible()
    await expect(page.get_by_role("rowheader", name="Net sales")).to_be_visible()
    await expect(page.get_by_test_id("kr-value")).to_have_text("€0.00")
    await expect(page.locator("form, nav, input, button, textarea, select")).to_have_count(0)
    hrefs = await page.locator("a[href]").evaluate_all("links => links.map(a => a.href)")
    assert all(href.startswith(url) for href in hrefs), hrefs
    assert await visitor.cookies() == []

    await admin.get_by_role("link", name="Revoke “Office TV”").click()
    await admin.get_by_role("button", name="Revoke the link").click()
    await expect(admin.get_by_test_id("share-status")).to_have_text("Revoked")
    gone = await page.reload()
    assert gone is not None
    assert gone.status == 404
    await expect(page.get_by_test_id("kr-value")).to_have_count(0)
    await visitor.close()


async def test_tv_mode_moves_when_an_order_webhook_arrives(server: str, browser: Browser) -> None:
    made: list[str] = []

    async def prepare(session: AsyncSession, shop: Shop) -> None:
        await with_net_sales_key_result(session, shop)
        link = await links.create_link(session, shop.id or 0, "Wall", 30)
        settings = connection_settings().model_copy(update={"public_url": server})
        made.append(links.url_for(link, settings))

    await signed_in_shop(server, SHOP, prepare)
    visitor = await browser.new_context()
    page = await visitor.new_page()
    await page.goto(f"{made[0]}?tv=1")
    value = page.get_by_test_id("kr-value")
    await expect(value).to_have_text("€0.00")
    await expect(page.locator("body")).to_have_class("shared tv")
    await expect(page.locator("header.topbar, nav, form")).to_have_count(0)
    await page.wait_for_function("window.htmx !== undefined")

    await post_order_now(server, SHOP)

    await expect(value).not_to_have_text("€0.00", timeout=PATIENCE_MS)
    assert page.url == f"{made[0]}?tv=1"  # no reload
    await visitor.close()
