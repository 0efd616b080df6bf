"""Inside the Shopify admin (no cookie session, App Bridge for session tokens), in a real
browser: the admin's plain forms save, come back with their errors next to their fields, and
move the frame to the page they lead to without keeping a session token in its address; a
reload of that address comes back through Shopify's bounce with a fresh token; a dashboard a
form leads to is live."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
from playwright.async_api import Browser, Page, Route, expect
from sqlmodel.ext.asyncio.session import AsyncSession

from app.admin.embedding.app_bridge import APP_BRIDGE_URL
from app.auth.cookies import SESSION_COOKIE
from app.crypto import Vault
from app.db import utcnow
from app.integrations.shopify.credentials import ShopifyCredentials
from app.shops.models import Shop
from tests.admin.browser import PATIENCE_MS, is_document, post_order_now, signed_in_shop
from tests.admin.test_editor_browser import fill_key_result
from tests.admin.test_embedding import HOST
from tests.fixtures.platforms import session_token
from tests.fixtures.stores import connection_settings
from tests.okr.history import with_sales

SHOP = "embedded-forms.myshopify.com"

# Stands in for Shopify's CDN script: `shopify.idToken()` asks the test for a fresh token; on
# the bounce page it does what App Bridge does with `shopify-reload`: load that address again
# with a fresh session token as `id_token`.
FAKE_APP_BRIDGE = """
window.shopify = {
  idToken: function () { return window.mintSessionToken(); },
  toast: { show: function () {} },
};
(function () {
  const back = new URLSearchParams(window.location.search).get("shopify-reload");
  if (!back) return;
  window.shopify.idToken().then(function (token) {
    const url = new URL(back);
    url.searchParams.set("id_token", token);
    window.location.replace(url.toString());
  });
})();
"""


def shopify_load(path: str) -> str:
    """The address Shopify gives the frame for `path`: the embedded parameters and a token."""
    params = {"embedded": "1", "host": HOST, "shop": SHOP, "id_token": session_token(SHOP)}
    return f"{path}?{httpx.QueryParams({**params, 'locale': 'en'})}"


async def with_shopify_credentials(session: AsyncSession, shop: Shop) -> None:
    """Installed: a session token then needs no token exchange."""
    credentials = ShopifyCredentials(access_token="shpat_x", scope="read_orders")
    vault = Vault.from_settings(connection_settings())
    shop.credentials_ciphertext = vault.encrypt(credentials.to_json())


async def inside_shopify(
    browser: Browser, server: str, path: str, app_bridge_script: str = FAKE_APP_BRIDGE
) -> Page:
    """`path` loaded the way the Shopify admin loads it, with the fake App Bridge."""
    page = await browser.new_page()

    async def app_bridge(route: Route) -> None:
        await route.fulfill(content_type="text/javascript", body=app_bridge_script)

    await page.expose_function("mintSessionToken", lambda: session_token(SHOP))
    await page.route(APP_BRIDGE_URL, app_bridge)
    await page.goto(f"{server}{shopify_load(path)}")
    await page.wait_for_function("window.htmx !== undefined")
    return page


def query_of(page: Page) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(page.url).query).items()}


def api(server: str) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {session_token(SHOP)}"}
    return httpx.AsyncClient(base_url=server, headers=headers)


async def test_inside_shopify_the_editors_forms_save_and_refuse_as_outside(
    server: str, browser: Browser
) -> None:
    await signed_in_shop(server, SHOP, with_shopify_credentials)
    page = await inside_shopify(browser, server, "/admin/okrs")

    await page.get_by_text("New cycle").click()
    await page.get_by_role("button", name="Create cycle").click()
    await expect(page.locator(".cycle h2")).to_have_text(str(utcnow().year))
    address = query_of(page)
    cycle_id = address.pop("cycle")
    assert address == {"embedded": "1", "host": HOST, "shop": SHOP, "locale": "en"}
    # The cycle picker (a GET form) loads its page as a link does: with a fresh session token.
    await page.locator("#cycle-choice").select_option(cycle_id)
    async with page.expect_request(is_document(f"cycle={cycle_id}")) as loading:
        await page.get_by_role("button", name="Show").click()
    assert "id_token=" in (await loading.value).url
    await expect(page).to_have_url(re.compile(rf"\?cycle={cycle_id}&embedded=1"))
    await expect(page.locator(".cycle h2")).to_have_text(str(utcnow().year))

    new_objective = page.locator("form[action='/admin/okrs/objectives']")
    await new_objective.get_by_label("Objective", exact=True).fill("Grow revenue")
    await new_objective.get_by_label("Kind").select_option("increase_revenue")
    await new_objective.get_by_label("Weight").fill("-1")
    await new_objective.get_by_role("button", name="Add objective").click()
    weight = page.locator("#objective-new-weight")
    await expect(page.locator("#objective-new-weight-error")).to_have_text("a weight is positive")
    await expect(weight).to_have_attribute("aria-invalid", "true")
    await expect(page.locator(".field", has=weight).locator(".field-error")).to_be_visible()
    await expect(new_objective.get_by_label("Objective", exact=True)).to_have_value("Grow revenue")
    await expect(page).to_have_title(re.compile("OKRs"))
    await weight.fill("2")
    await new_objective.get_by_role("button", name="Add objective").click()
    objective = page.locator("article.objective", has_text="Grow revenue")
    await expect(objective).to_be_visible()
    objective_id = (await objective.get_attribute("data-objective")) or ""

    await fill_key_result(page, objective_id, target="1000")  # the metric help is htmx too
    target_error = page.locator(f"#kr-new-{objective_id}-target-error")
    await expect(target_error).to_have_text(
        "the target is the start value itself: set it above the start for an increase, "
        "below it for a decrease"
    )
    await fill_key_result(page, objective_id, target="1500")
    await expect(page.locator("tr[data-key-result]", has_text="Grow net sales")).to_be_visible()

    async with api(server) as client:
        objectives = await client.get("/api/v1/objectives", params={"cycle_id": cycle_id})
        krs = await client.get("/api/v1/key-results", params={"objective_id": objective_id})
    assert [(o["title"], o["weight"]) for o in objectives.json()] == [("Grow revenue", 2)]
    assert [(kr["title"], kr["target"]) for kr in krs.json()] == [("Grow net sales", "1500")]
    assert "id_token" not in page.url
    assert query_of(page)["cycle"] == cycle_id
    cookies = [cookie["name"] for cookie in await page.context.cookies()]
    assert SESSION_COOKIE not in cookies  # signed in by session tokens alone

    # A reload of an address without a session token bounces through App Bridge for a fresh one.
    async with page.expect_request(
        lambda r: "id_token=" in r.url and r.resource_type == "document"
    ):
        await page.reload()
    await expect(objective).to_be_visible()
    assert query_of(page)["cycle"] == cycle_id

    # A confirm() answered "no" sends nothing; "yes" sends the form once.
    deletions: list[str] = []
    page.on("request", lambda r: deletions.append(r.url) if r.url.endswith("/delete") else None)
    delete = objective.locator("header").get_by_role("button", name="Delete")
    page.once("dialog", lambda dialog: dialog.dismiss())
    await delete.click()
    page.once("dialog", lambda dialog: dialog.accept())
    await delete.click()
    await expect(objective).to_have_count(0)
    assert deletions == [f"{server}/admin/okrs/objectives/{objective_id}/delete"]


async def with_last_years_sales(session: AsyncSession, shop: Shop) -> None:
    """History for the guided start to build a net sales key result from: from last December
    until yesterday."""
    await with_shopify_credentials(session, shop)
    last_year = date(utcnow().year, 1, 1) - timedelta(days=30)
    await with_sales(session, shop.id or 0, last_year, utcnow().date() - timedelta(days=1))


async def test_inside_shopify_the_dashboard_a_form_leads_to_is_live(
    server: str, browser: Browser
) -> None:
    await signed_in_shop(server, SHOP, with_last_years_sales)
    page = await inside_shopify(browser, server, "/admin/okrs")  # no scorecard, no stream

    await page.get_by_role("button", name=re.compile("Start .* with these objectives")).click()
    await expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    await expect(page).to_have_title(re.compile("Dashboard"))
    assert urlsplit(page.url).path == "/"
    assert "id_token" not in page.url
    row = page.locator("tr[data-key-result]", has_text="Grow net sales")
    value = row.get_by_test_id("kr-value")
    await expect(value).to_have_text(re.compile(r"€[\d,.]+"))
    before = await value.inner_text()

    await post_order_now(server, SHOP)

    await expect(value).not_to_have_text(
        before, timeout=PATIENCE_MS
    )  # the new page's stream said so
