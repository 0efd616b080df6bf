"""#22 in a real browser: the dashboard says that it is live once its event stream is open, in
the page's language, and still says so after the scorecard is swapped in again."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.admin.browser import (
    PATIENCE_MS,
    post_order_now,
    signed_in_shop,
    with_net_sales_key_result,
)

SHOP = "live-status.myshopify.com"


async def test_the_dashboard_says_it_is_live_and_when_its_figures_were_read(
    server: str, browser: Browser
) -> None:
    page = await browser.new_page()
    await page.goto(await signed_in_shop(server, SHOP, with_net_sales_key_result))
    status = page.locator("[data-live-status]")
    await expect(status).to_have_text("Live: updates as orders arrive.")
    await expect(status).to_have_attribute("data-state", "live")
    await expect(page.get_by_test_id("updated-at")).to_contain_text("Figures as of")

    await post_order_now(server, SHOP)

    await expect(page.get_by_test_id("kr-value")).not_to_have_text("€0.00", timeout=PATIENCE_MS)
    await expect(status).to_have_text("Live: updates as orders arrive.")

    await page.goto(f"{server}/?locale=de")
    await expect(status).to_have_text("Live: aktualisiert sich, sobald Bestellungen eingehen.")
    await expect(
        page.get_by_text("Was Score, Bereich, Tempo und Prognose bedeuten")
    ).to_be_visible()
