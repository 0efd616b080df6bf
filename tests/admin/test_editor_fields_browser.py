"""The key result form shows only the fields the chosen source, type and window need (#22),
in chromium: no range days for "the whole cycle", no target for a milestone, no metric for a
manual key result, no unit for a metric one."""

from __future__ import annotations

from playwright.async_api import Browser, Locator, expect

from tests.admin.browser import signed_in_shop
from tests.admin.test_editor_browser import create_cycle_and_objective

SHOP = "editor-fields-browser.myshopify.com"


async def test_the_key_result_form_shows_only_what_the_choice_needs(
    server: str, browser: Browser
) -> None:
    page = await browser.new_page()
    await page.goto(await signed_in_shop(server, SHOP))
    objective_id = await create_cycle_and_objective(page)
    objective = page.locator(f"#objective-{objective_id}")
    await objective.get_by_text("Add a key result").click()
    form = objective.locator("form[action='/admin/okrs/key-results']")

    def field(name: str) -> Locator:
        return form.locator(f"[data-field={name}]")

    # A metric over the whole cycle: no unit, no range days, no number of days.
    for hidden in ("unit", "window_start", "window_end", "rolling_days"):
        await expect(field(hidden)).to_be_hidden()
    for shown in ("metric_key", "start_value", "target", "stretch_target"):
        await expect(field(shown)).to_be_visible()

    await form.get_by_label("Measured over").select_option("range")
    await expect(field("window_start")).to_be_visible()
    await expect(field("window_end")).to_be_visible()
    await expect(field("rolling_days")).to_be_hidden()
    await form.get_by_label("Measured over").select_option("rolling")
    await expect(field("rolling_days")).to_be_visible()
    await expect(field("window_start")).to_be_hidden()

    await form.get_by_label("Type").select_option("stay_above")
    await expect(field("target")).to_be_visible()
    await expect(field("start_value")).to_be_hidden()
    await expect(field("stretch_target")).to_be_hidden()
    await form.get_by_label("Type").select_option("milestone")
    await expect(field("target")).to_be_hidden()

    await form.get_by_label("Measured by").select_option("manual")
    await expect(field("metric_key")).to_be_hidden()
    await expect(field("unit")).to_be_visible()
