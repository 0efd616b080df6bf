"""The admin's sections and the outcome of its forms, in a real browser: outside Shopify the
page's own navigation and a notice on the page; inside the Shopify admin the same sections in
App Bridge's `<ui-nav-menu>` and the outcome as an App Bridge toast (#22)."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from tests.admin.browser import signed_in_shop
from tests.admin.test_embedded_forms import SHOP, inside_shopify, with_shopify_credentials

SECTIONS = [
    "/",
    "/admin/okrs",
    "/admin/initiatives",
    "/admin/surveys",
    "/admin/sharing",
    "/admin/operations",
    "/admin/email-settings",
]

# Shopify's CDN script as far as these pages use it: session tokens from the test, and toasts
# written down where the test can read them.
FAKE_APP_BRIDGE = """
window.toasts = [];
window.shopify = {
  idToken: function () { return window.mintSessionToken(); },
  toast: { show: function (message, options) {
    window.toasts.push({ message: message, isError: Boolean(options && options.isError) });
  } },
};
"""


async def hrefs(page: Page, selector: str) -> list[str]:
    found: list[str] = await page.locator(selector).evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    return found


async def test_outside_shopify_the_page_has_the_sections_and_says_what_was_saved(
    server: str, browser: Browser
) -> None:
    link = await signed_in_shop(server, "navigation-outside.myshopify.com")
    page = await browser.new_page()
    await page.goto(link)

    assert await hrefs(page, "header.topbar nav a") == SECTIONS
    await expect(page.locator("ui-nav-menu")).to_have_count(0)

    await page.get_by_role("link", name="Settings").click()
    await expect(page.locator('header.topbar nav a[aria-current="page"]')).to_have_text("Settings")
    alerts = page.get_by_label("E-mail me when a key result's status drops")
    await expect(alerts).to_be_checked()
    await alerts.uncheck()
    await page.get_by_role("button", name="Save").click()

    await expect(page.get_by_test_id("flash")).to_have_text("E-mail settings saved.")
    await expect(alerts).not_to_be_checked()


async def test_inside_shopify_the_sections_are_the_admins_menu_and_outcomes_are_toasts(
    server: str, browser: Browser
) -> None:
    await signed_in_shop(server, SHOP, with_shopify_credentials)
    page = await inside_shopify(browser, server, "/admin/email-settings", FAKE_APP_BRIDGE)

    assert await hrefs(page, "ui-nav-menu a") == SECTIONS
    await expect(page.locator("ui-nav-menu a").first).to_have_attribute("rel", "home")
    await expect(page.locator("header.topbar nav")).to_have_count(0)

    cap = page.get_by_label("Hours between two marketing e-mails to one customer")
    await cap.fill("many")
    await page.get_by_role("button", name="Save").click()
    await expect(cap).to_have_attribute("aria-invalid", "true")
    await page.wait_for_function("window.toasts.length === 1")
    assert await page.evaluate("window.toasts") == [
        {"message": "Not saved: see what needs changing on the page.", "isError": True}
    ]

    await cap.fill("12")
    await page.get_by_role("button", name="Save").click()
    await page.wait_for_function("window.toasts.length === 2")
    assert (await page.evaluate("window.toasts"))[1] == {
        "message": "E-mail settings saved.",
        "isError": False,
    }
    await expect(page.get_by_test_id("flash")).to_have_count(0)  # a toast, not in the page
    await expect(page.locator("[data-toast]")).to_have_count(0)
