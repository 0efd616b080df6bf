"""Acceptance (#22, 2) in a real browser: a rate's start and target are typed as percentages —
`20` and `20 %` store 0.20 and read "20%"; on a German page `20,5 %` stores 0.205 and reads
"20,5 %" — while a count's target must be whole and money's field names the currency."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Browser, Page, expect

from tests.admin.browser import signed_in_shop
from tests.admin.test_editor_browser import create_cycle_and_objective, kr_cycle

SHOP = "amounts-browser.myshopify.com"


async def add_key_result(page: Page, objective_id: str, metric: str, target: str) -> None:
    form = page.locator(f"#objective-{objective_id} form[action='/admin/okrs/key-results']")
    if not await form.is_visible():
        await page.locator(f"#objective-{objective_id}").get_by_text("Add a key result").click()
    await form.get_by_label("Key result", exact=True).fill(f"Move {metric}")
    await form.get_by_label("Metric", exact=True).select_option(metric)
    await expect(form.get_by_test_id("metric-how")).to_be_visible()  # how to type its amounts
    await form.get_by_label("Type").select_option("increase_to")
    await form.get_by_label("Start value").fill("15")
    await form.get_by_label("Target", exact=True).fill(target)
    await form.get_by_role("button", name="Add key result").click()


async def key_results(page: Page, server: str, objective_id: str) -> list[dict[str, Any]]:
    answer = await page.request.get(f"{server}/api/v1/key-results?objective_id={objective_id}")
    found: list[dict[str, Any]] = await answer.json()
    return found


async def change_target(page: Page, kr_id: int, typed: str, save: str) -> None:
    row = page.locator(f"#kr-{kr_id} + tr.edit-row")
    await row.locator("summary").click()
    await row.locator(f"#kr-{kr_id}-target").fill(typed)
    await row.get_by_role("button", name=save).click()


async def test_a_rates_target_is_typed_as_a_percentage_in_the_pages_language(
    server: str, browser: Browser
) -> None:
    page = await browser.new_page()
    await page.goto(await signed_in_shop(server, SHOP))
    objective_id = await create_cycle_and_objective(page)

    await add_key_result(page, objective_id, "repeat_purchase_rate", "20")
    row = page.locator("tr[data-key-result]", has_text="Move repeat_purchase_rate")
    await expect(row).to_contain_text("15%")
    await expect(row).to_contain_text("20%")
    [kr] = await key_results(page, server, objective_id)
    assert (kr["start_value"], kr["target"]) == ("0.15", "0.2")
    # Its form gives the target back as typed, in per cent.
    await expect(page.locator(f"#kr-{kr['id']}-target")).to_have_value("20")
    await expect(page.locator(f"label[for='kr-{kr['id']}-target']")).to_contain_text("(%)")

    await change_target(page, kr["id"], "20 %", "Save key result")
    await expect(page.locator(f"#kr-{kr['id']}")).to_contain_text("20%")
    assert (await key_results(page, server, objective_id))[0]["target"] == "0.2"

    await page.goto(f"{server}/admin/okrs?cycle={kr_cycle(page)}&locale=de")
    await change_target(page, kr["id"], "20,5 %", "Schlüsselergebnis speichern")
    await expect(page.locator(f"#kr-{kr['id']}")).to_contain_text("20,5\u00a0%")
    assert (await key_results(page, server, objective_id))[0]["target"] == "0.205"

    # A percentage that is not one is refused beside its field, in German, and nothing moves.
    await change_target(page, kr["id"], "zwanzig", "Schlüsselergebnis speichern")
    error = page.locator(f"#kr-{kr['id']}-target-error")
    await expect(error).to_contain_text("Prozentsatz")
    assert (await key_results(page, server, objective_id))[0]["target"] == "0.205"


async def test_a_counts_target_is_whole_and_moneys_field_names_the_currency(
    server: str, browser: Browser
) -> None:
    page = await browser.new_page()
    await page.goto(await signed_in_shop(server, SHOP))
    objective_id = await create_cycle_and_objective(page)

    await add_key_result(page, objective_id, "orders", "20.5")
    error = page.locator(f"#kr-new-{objective_id}-target-error")
    await expect(error).to_have_text("Enter a whole number: this metric counts.")
    assert await key_results(page, server, objective_id) == []

    await add_key_result(page, objective_id, "net_sales", "1500")
    [kr] = await key_results(page, server, objective_id)
    assert kr["target"] == "1500"
    await expect(page.locator(f"label[for='kr-{kr['id']}-target']")).to_contain_text("(EUR)")
