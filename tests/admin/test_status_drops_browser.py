"""#22 in a real browser: with the dashboard open, a status drop the alerts' check notes appears
in "Status dropped this week" without a reload (the check's "statuses" message has htmx fetch
the notice again, as the scorecard is on "key_results")."""

from __future__ import annotations

from playwright.async_api import Browser, expect
from sqlmodel.ext.asyncio.session import AsyncSession

from app.digest.alerts.service import check_shop
from app.shops.models import Shop
from tests.admin.browser import PATIENCE_MS, Served, signed_in_shop
from tests.digest.test_alerts import add_milestone, mark

SHOP = "drops-live.myshopify.com"
TITLE = "New shop front live"


async def test_a_drop_noted_while_the_dashboard_is_open_appears_without_a_reload(
    served_app: Served, browser: Browser
) -> None:
    made: dict[str, int] = {}

    async def with_milestone(session: AsyncSession, shop: Shop) -> None:
        made["shop"], made["kr"] = (
            shop.id or 0,
            await add_milestone(session, shop, TITLE, done=True),
        )

    link = await signed_in_shop(served_app.url, SHOP, with_milestone)
    runtime = served_app.runtime
    await check_shop(runtime, made["shop"])  # seen on track: nothing to compare with yet
    page = await browser.new_page()
    await page.goto(link)
    await expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    drops = page.get_by_test_id("status-drops")
    await expect(drops).to_have_count(0)
    await page.evaluate("window.openedOnce = true")  # a reload would forget it

    await mark(runtime, made["kr"], done=False)
    await check_shop(runtime, made["shop"])

    await expect(drops).to_contain_text(
        f"“{TITLE}” went from On track to Off track", timeout=PATIENCE_MS
    )
    await expect(drops.get_by_role("link", name="See why")).to_have_attribute(
        "href", f"/admin/key-results/{made['kr']}"
    )
    assert await page.evaluate("window.openedOnce === true")
    assert page.url == f"{served_app.url}/"
