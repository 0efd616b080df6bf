"""The guided start in chromium, on a shop with seven weeks of history: every key result it
proposes shows a start from the history, a target and how likely reaching it is (the NPS
bound, with no survey answers yet, says that it fills in as they arrive and where surveys are
set up); one click makes objectives that each have key results with values, in the page's
language."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.async_api import Browser, expect
from sqlmodel.ext.asyncio.session import AsyncSession

from app.okr.service import today_for
from app.shops.models import Shop
from tests.admin.browser import signed_in_shop
from tests.okr.history import with_sales

SHOP = "guided.myshopify.com"
CHANCE = re.compile(
    r"reaching it is (about a \d+-in-\d+ chance|almost certain|less than a 1-in-50)"
)


async def with_seven_weeks(session: AsyncSession, shop: Shop) -> None:
    today = today_for(shop)
    await with_sales(session, shop.id or 0, today - timedelta(days=49), today - timedelta(days=1))


async def test_the_guided_start_proposes_filled_key_results_and_makes_them(
    server: str, browser: Browser
) -> None:
    page = await browser.new_page()
    await page.goto(await signed_in_shop(server, SHOP, with_seven_weeks))
    await page.goto(f"{server}/?locale=en")

    guided = page.locator("section.guided")
    added = guided.locator("li[data-testid=suggestion]:not([data-missing]):not([data-pending])")
    await expect(added.first).to_be_visible()
    assert await guided.get_by_test_id("guided-empty").count() == 0
    for number in range(await added.count()):
        suggestion = added.nth(number)
        values = await suggestion.get_by_test_id("suggestion-values").inner_text()
        assert re.search(r"\d.*\(from the last complete weeks.*\) → .*\d", values), values
        assert CHANCE.search(await suggestion.get_by_test_id("suggestion-target").inner_text())
    nps = guided.locator("li[data-pending]", has_text="Keep NPS at 50 or above")
    await expect(nps.get_by_test_id("suggestion-pending")).to_contain_text(
        "fills in as answers arrive"
    )
    await expect(nps.get_by_role("link", name="set one up in Surveys")).to_have_attribute(
        "href", "/admin/surveys"
    )
    packing = guided.locator("li[data-missing]", has_text="Packing time per order")
    await expect(packing).to_contain_text("not added: measured outside the store")

    await guided.get_by_role("button", name=re.compile("Start .* with these objectives")).click()

    await expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    objectives = page.locator("article.objective")
    await expect(objectives.first).to_be_visible()
    for index in range(await objectives.count()):
        rows = objectives.nth(index).locator("tr[data-key-result]")
        assert await rows.count() > 0
        for number in range(await rows.count()):
            value = await rows.nth(number).get_by_test_id("kr-value").inner_text()
            assert re.search(r"\d", value), value
    assert "0.01 ratio" not in await page.content()


async def test_the_guided_start_speaks_german(server: str, browser: Browser) -> None:
    page = await browser.new_page()
    await page.goto(await signed_in_shop(server, SHOP, with_seven_weeks))
    await page.goto(f"{server}/?locale=de")

    guided = page.locator("section.guided")
    target = guided.get_by_test_id("suggestion-target").first
    await expect(target).to_contain_text("Es zu erreichen ist")
    await expect(guided.get_by_test_id("suggestion-values").first).to_contain_text(
        "aus den letzten vollständigen Wochen"
    )
