"""#22 in a real browser: a share link has a copy button (the clipboard, or the older copy
command where the page has no clipboard access), and revoking asks first — a step that works
without JavaScript, where "Keep it" keeps the link."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect
from sqlmodel.ext.asyncio.session import AsyncSession

from app.sharing import links
from app.shops.models import Shop
from tests.admin.browser import PATIENCE_MS, signed_in_shop

SHOP = "share-copy.myshopify.com"
COPIED_OR_BY_HAND = re.compile(r"^(Copied|Press Ctrl\+C \(⌘C on a Mac\) to copy)$")
NO_CLIPBOARD = "Object.defineProperty(navigator, 'clipboard', {value: undefined});"


async def with_a_link(session: AsyncSession, shop: Shop) -> None:
    await links.create_link(session, shop.id or 0, "Office TV", 30)


async def sharing_page(browser: Browser, server: str, **options: object) -> Page:
    context = await browser.new_context(**options)  # type: ignore[arg-type]
    page = await context.new_page()
    await page.goto(await signed_in_shop(server, SHOP, with_a_link))
    await page.goto(f"{server}/admin/sharing")
    return page


async def test_the_copy_button_puts_the_link_on_the_clipboard(
    server: str, browser: Browser
) -> None:
    page = await sharing_page(browser, server, permissions=["clipboard-read", "clipboard-write"])
    url = await page.get_by_role("textbox", name="Link for “Office TV”").input_value()

    button = page.get_by_role("button", name="Copy the link for “Office TV”")
    await button.click()

    await expect(button).to_have_text("Copied")
    assert await page.evaluate("navigator.clipboard.readText()") == url
    await expect(button).to_have_text("Copy", timeout=PATIENCE_MS)


async def test_without_the_clipboard_api_the_link_is_copied_the_older_way(
    server: str, browser: Browser
) -> None:
    page = await sharing_page(browser, server)
    await page.add_init_script(NO_CLIPBOARD)
    await page.reload()
    field = page.get_by_role("textbox", name="Link for “Office TV”")
    url = await field.input_value()

    await page.get_by_role("button", name="Copy the link for “Office TV”").click()

    # The link is selected for the copy command (or for Ctrl+C, which the button then asks for).
    selected = await field.evaluate("f => f.value.slice(f.selectionStart, f.selectionEnd)")
    assert selected == url
    button = page.get_by_role("button", name="Copy the link for “Office TV”")
    await expect(button).to_have_text(COPIED_OR_BY_HAND)


async def test_without_javascript_there_is_no_copy_button_and_revoking_asks_first(
    server: str, browser: Browser
) -> None:
    page = await sharing_page(browser, server, java_script_enabled=False)
    await expect(page.get_by_role("button", name="Copy the link for “Office TV”")).to_be_hidden()

    await page.get_by_role("link", name="Revoke “Office TV”").click()
    confirm = page.locator("#confirm-revoke")
    await expect(confirm).to_contain_text("This cannot be undone")
    await page.get_by_role("link", name="Keep it").click()
    await expect(page.get_by_test_id("share-status")).to_have_text("Active")

    await page.get_by_role("link", name="Revoke “Office TV”").click()
    await page.get_by_role("button", name="Revoke the link").click()
    await expect(page.get_by_test_id("share-status")).to_have_text("Revoked")
    await expect(page.get_by_role("link", name="Revoke “Office TV”")).to_have_count(0)


async def test_the_confirmation_speaks_the_pages_language(server: str, browser: Browser) -> None:
    page = await sharing_page(browser, server)
    await page.goto(f"{server}/admin/sharing?locale=de")
    await page.get_by_role("link", name="„Office TV“ widerrufen").click()
    await expect(page.locator("#confirm-revoke")).to_contain_text("rückgängig")
    await page.goto(f"{server}/admin/sharing?locale=es")
    await expect(page.get_by_role("button", name="Copiar el enlace de «Office TV»")).to_be_visible()
