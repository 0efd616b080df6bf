"""Acceptance (#9, 4): the dashboard in Spanish and German, as the store admin asks for it
(`?locale=`), with money and dates written the locale's way — and the live swaps keep the
page's language."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from app.db import utcnow
from tests.admin.browser import (
    PATIENCE_MS,
    post_order_now,
    signed_in_shop,
    with_net_sales_key_result,
)

SHOP = "languages.myshopify.com"


@pytest.mark.parametrize(
    ("locale", "heading", "column", "target", "first_day", "no_score"),
    [
        ("es-ES", "Panel", "Resultado clave", "1.000,00 €", "1 ene {year}", "Desviado"),
        ("de-DE", "Dashboard", "Schlüsselergebnis", "1.000,00 €", "01.01.{year}", "Nicht im Plan"),
    ],
)
async def test_the_dashboard_speaks_the_admins_language(
    server: str, browser: Browser, locale: str, heading: str, column: str, target: str,
    first_day: str, no_score: str,
) -> None:  # fmt: skip
    link = await signed_in_shop(server, SHOP, with_net_sales_key_result)
    page = await browser.new_page()
    await page.goto(link)
    await page.goto(f"{server}/?locale={locale}")

    await expect(page.locator("html")).to_have_attribute("lang", locale[:2])
    await expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    await expect(page.get_by_role("columnheader", name=column)).to_be_visible()
    row = page.locator("tr[data-key-result]")
    await expect(row.locator("td").nth(1)).to_have_text(target.replace(" ", "\xa0"))
    year = utcnow().year
    await expect(page.locator(".card.cycle .muted")).to_contain_text(first_day.format(year=year))
    await expect(row.get_by_test_id("kr-value")).to_have_text("0,00\xa0€")
    await expect(row).to_contain_text(no_score)

    await page.wait_for_function("window.htmx !== undefined")
    await post_order_now(server, SHOP)
    # The scorecard swapped in live is still in the page's language and number format.
    await expect(row.get_by_test_id("kr-value")).not_to_have_text("0,00\xa0€", timeout=PATIENCE_MS)
    await expect(row.get_by_test_id("kr-value")).to_have_text(re.compile(r"^[\d.]+,\d\d\xa0€$"))
    await expect(page.get_by_role("columnheader", name=column)).to_be_visible()
