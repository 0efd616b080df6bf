"""Mobile (#22): at a phone's 390 px every section of the admin fits its width — the page never
scrolls sideways and nothing sticks out of its card, except a wide table inside its own
horizontal scroll wrapper (`.table-scroll`). German, the language with the longest words."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import Browser, ViewportSize
from sqlmodel.ext.asyncio.session import AsyncSession

from app.shops.models import Shop
from tests.admin.browser import signed_in_shop
from tests.admin.merchant_world import World, populate
from tests.fixtures.stores import connection_settings

SHOP = "mobile-browser.myshopify.com"
PHONE: ViewportSize = {"width": 390, "height": 844}
# Elements wider than their card (or than the page when in none), and the page's own width.
OVERFLOWING = """() => {
  const page = document.scrollingElement.scrollWidth;
  const view = document.documentElement.clientWidth;
  const found = [];
  for (const element of document.querySelectorAll('body *')) {
    const parent = element.parentElement;
    if (parent && parent.closest('.table-scroll')) continue;  // scrolls on its own, in its card
    const box = element.getBoundingClientRect();
    // not drawn, or parked off-screen until focused (the skip link)
    if (box.width === 0 || box.height === 0 || box.right <= 0) continue;
    const card = parent && parent.closest('.card');
    const frame = card ? card.getBoundingClientRect() : {left: 0, right: view};
    if (box.left < frame.left - 1 || box.right > frame.right + 1) {
      const name = element.tagName.toLowerCase() + (element.className && typeof element.className
        === 'string' ? '.' + element.className.trim().split(/\\s+/).join('.') : '');
      found.push(`${name} [${Math.round(box.left)}–${Math.round(box.right)}] ` +
                 `${(element.textContent || '').trim().slice(0, 40)}`);
    }
  }
  return {page, view, found: found.slice(0, 15)};
}"""


def sections(world: World) -> dict[str, str]:
    return {
        "dashboard": "/",
        "key result (metric)": f"/admin/key-results/{world.ids['metric_key_result']}",
        "key result (manual)": f"/admin/key-results/{world.ids['key_result_id']}",
        "editor": "/admin/okrs",
        "operations": "/admin/operations",
        "initiatives": "/admin/initiatives",
        "initiative": f"/admin/initiatives/{world.ids['initiative_id']}",
        "sharing": "/admin/sharing",
        "share page": f"/share/{world.ids['token']}",
    }


@pytest.mark.parametrize("locale", ["de-DE", "en-US"])
async def test_every_section_fits_a_phone(server: str, browser: Browser, locale: str) -> None:
    worlds: list[World] = []

    async def prepare(session: AsyncSession, shop: Shop) -> None:
        settings = connection_settings().model_copy(update={"public_url": server})
        worlds.append(await populate(session, shop, settings))

    link = await signed_in_shop(server, SHOP, prepare)
    context = await browser.new_context(viewport=PHONE, locale=locale)
    page = await context.new_page()
    await page.goto(link)
    problems = {}
    for name, path in sections(worlds[0]).items():
        await page.goto(f"{server}{path}")
        measured = await page.evaluate(OVERFLOWING)
        if measured["page"] > PHONE["width"] or measured["found"]:
            problems[name] = measured
    await context.close()
    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)
