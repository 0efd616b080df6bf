"""Acceptance (#9, 2) in a real browser: an objective and a metric key result made in the
editor are stored and visible through the API; a target equal to the start value is refused
with the error next to the target field."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from tests.admin.browser import signed_in_shop, unlabelled_controls
from tests.shops.helpers import query_param

SHOP = "editor-browser.myshopify.com"


async def create_cycle_and_objective(page: Page) -> str:
    await page.get_by_role("link", name="OKRs").click()
    await page.get_by_text("New cycle").click()
    await page.get_by_role("button", name="Create cycle").click()
    new_objective = page.locator("form[action='/admin/okrs/objectives']")
    await new_objective.get_by_label("Objective", exact=True).fill("Grow revenue")
    await new_objective.get_by_label("Kind").select_option("increase_revenue")
    await new_objective.get_by_role("button", name="Add objective").click()
    objective = page.locator("article.objective", has_text="Grow revenue")
    await expect(objective).to_be_visible()
    return (await objective.get_attribute("data-objective")) or ""


async def fill_key_result(page: Page, objective_id: str, target: str) -> None:
    form = page.locator(f"#objective-{objective_id} form[action='/admin/okrs/key-results']")
    if not await form.is_visible():
        await page.locator(f"#objective-{objective_id}").get_by_text("Add a key result").click()
    await form.get_by_label("Key result", exact=True).fill("Grow net sales")
    await form.get_by_label("Measured by").select_option("metric")
    await form.get_by_label("Metric", exact=True).select_option("net_sales")
    # The picker explains the metric and what the key result would start from.
    await expect(form.get_by_test_id("metric-start")).to_be_visible()
    await form.get_by_label("Type").select_option("increase_to")
    await form.get_by_label("Start value").fill("1000")
    await form.get_by_label("Target", exact=True).fill(target)
    await form.get_by_role("button", name="Add key result").click()


async def test_an_objective_and_key_result_made_in_the_editor_reach_the_api(
    server: str, browser: Browser
) -> None:
    page = await browser.new_page()
    await page.goto(await signed_in_shop(server, SHOP))
    objective_id = await create_cycle_and_objective(page)
    assert await unlabelled_controls(page) == []

    await fill_key_result(page, objective_id, target="1000")
    error = page.locator(f"#kr-new-{objective_id}-target-error")
    await expect(error).to_have_text(
        "the target is the start value itself: set it above the start for an increase, "
        "below it for a decrease"
    )
    target = page.locator(f"#kr-new-{objective_id}-target")
    await expect(target).to_have_attribute("aria-invalid", "true")
    # The error sits in the target's own field, right under it.
    await expect(page.locator(".field", has=target).locator(".field-error")).to_be_visible()

    await fill_key_result(page, objective_id, target="1500")
    await expect(page.locator("tr[data-key-result]", has_text="Grow net sales")).to_be_visible()
    answer = await page.request.get(f"{server}/api/v1/key-results?objective_id={objective_id}")
    [kr] = await answer.json()
    assert (kr["title"], kr["metric_key"], kr["start_value"], kr["target"]) == (
        "Grow net sales", "net_sales", "1000", "1500",
    )  # fmt: skip
    objectives = await page.request.get(f"{server}/api/v1/objectives?cycle_id={kr_cycle(page)}")
    assert [o["title"] for o in await objectives.json()] == ["Grow revenue"]


def kr_cycle(page: Page) -> str:
    return query_param(page.url, "cycle")
