"""#22 in a real browser: after the login links of two stores, the top bar's "Switch store"
opens the list, and a button there opens the other store's dashboard, in the page's language."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from tests.admin.browser import signed_in_shop


async def test_one_browser_switches_between_the_two_stores_it_signed_in_to(
    server: str, browser: Browser
) -> None:
    page = await browser.new_page()
    await page.goto(await signed_in_shop(server, "north-store.myshopify.com"))
    await expect(page.get_by_test_id("switch-store")).to_have_count(0)
    shop_name = page.locator("header.topbar .shop")
    north_name = (await shop_name.inner_text()).strip()
    is_north = re.compile(rf"^\s*{re.escape(north_name)}(\s|·|$)")  # "Test shop 1", not 12
    await page.goto(await signed_in_shop(server, "south-store.myshopify.com"))
    await expect(shop_name).not_to_have_text(is_north)

    await page.get_by_role("link", name="Switch store").click()
    await expect(page.get_by_role("heading", name="Your stores", level=1)).to_be_visible()
    await page.get_by_role("button", name=f"Open {north_name}", exact=True).click()

    await expect(page).to_have_url(f"{server}/")
    await expect(shop_name).to_have_text(is_north)
    await page.goto(f"{server}/admin/stores?locale=es")
    south = page.locator("li[data-store]", has_text="south-store.myshopify.com")
    await expect(south.get_by_role("button")).to_have_text(re.compile("^Abrir "))
