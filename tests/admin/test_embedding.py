"""Acceptance (#9, 6): inside the Shopify admin the pages authenticate from the session token
Shopify puts in the URL and run App Bridge; any other page never loads it; a request claiming
to come from Shopify with a bad session token is refused; cookie-session writes need the page's
CSRF token."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta

import httpx
import jwt
import pytest
from playwright.async_api import Browser, Request, Route, expect
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.admin.embedding.app_bridge import APP_BRIDGE_URL
from app.auth.cookies import SESSION_COOKIE
from app.auth.stream_tokens import read_stream_token
from app.crypto import Vault
from app.integrations.shopify.credentials import ShopifyCredentials
from app.okr.models import Cycle
from app.sharing import links
from app.shops.models import Shop
from tests.admin.browser import (
    PATIENCE_MS,
    is_document,
    post_order_now,
    signed_in_shop,
    with_net_sales_key_result,
)
from tests.fixtures.platforms import API_KEY, API_SECRET, session_token
from tests.fixtures.stores import Connected, connection_settings
from tests.shops.test_access import login
from tests.webhooks.helpers import install

SHOP = "embedded.myshopify.com"
HOST = "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZW1iZWRkZWQ"  # base64 of the admin's address


def embedded_load(token: str) -> dict[str, str]:
    """The query Shopify adds when it loads one of the app's pages in its admin."""
    return {"embedded": "1", "host": HOST, "shop": SHOP, "id_token": token, "locale": "en"}


def first_script(html: str) -> str:
    match = re.search(r"<script[^>]*>", html)
    assert match is not None
    return match.group(0)


@pytest.mark.parametrize("path", ["/", "/admin/operations"])
async def test_an_embedded_load_signs_in_from_its_id_token_and_runs_app_bridge(
    connected: Connected, path: str
) -> None:
    shop = await install(connected, SHOP)

    page = await connected.client.get(path, params=embedded_load(session_token(SHOP)))

    assert page.status_code == 200
    assert f'<meta name="shopify-api-key" content="{API_KEY}">' in page.text
    assert first_script(page.text) == f'<script src="{APP_BRIDGE_URL}">'  # first, not deferred
    assert '<script src="/admin/static/embedded.js" defer>' in page.text
    stream = re.search(r'name="storeokr-live-stream" content="([^"]+)"', page.text)
    assert stream is not None
    stream_token = stream.group(1).split("stream_token=")[1]
    assert read_stream_token(stream_token, connected.settings) == shop.id
    assert SESSION_COOKIE not in connected.client.cookies  # no cookie inside Shopify's iframe
    framing = f"frame-ancestors https://{SHOP} https://admin.shopify.com;"
    assert page.headers["Content-Security-Policy"] == framing  # framed by its own admin only


async def test_pages_reached_any_other_way_have_no_app_bridge(connected: Connected) -> None:
    shop = await install(connected, SHOP)
    await login(connected, shop.id or 0)

    pages = [
        await connected.client.get("/"),
        await connected.client.get("/admin/operations"),
        await connected.client.get("/", params={"embedded": "1", "shop": SHOP}),  # no id_token
    ]

    for page in pages:
        assert page.status_code == 200
        assert "app-bridge.js" not in page.text
        assert "shopify-api-key" not in page.text
        assert "embedded.js" not in page.text
        assert "stream_token" not in page.text
        assert "admin.shopify.com" not in page.headers.get("Content-Security-Policy", "")


# Token makers, not tokens: each is minted when its test runs, so that a slow suite cannot let
# "another shop's dest" expire into "expired" before its test is reached.
BAD_TOKENS: dict[str, Callable[[], str]] = {
    "expired": lambda: session_token(SHOP, expires_in=timedelta(minutes=-2)),
    "wrong audience": lambda: session_token(SHOP, audience="another-app"),
    "wrong secret": lambda: session_token(
        SHOP, secret="not-our-secret-though-just-as-long-as-ours"
    ),
    "another shop's dest": lambda: session_token(SHOP, dest_shop="other.myshopify.com"),
    "not a token": lambda: "forged",
}


@pytest.mark.parametrize("make_token", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
async def test_a_request_claiming_shopify_with_a_bad_session_token_is_refused(
    connected: Connected, make_token: Callable[[], str]
) -> None:
    token = make_token()
    shop = await install(connected, SHOP)
    await login(connected, shop.id or 0)  # a valid cookie session does not rescue it
    bearer = {"Authorization": f"Bearer {token}"}

    answers = [
        await connected.client.get("/", params=embedded_load(token)),
        await connected.client.get("/admin/operations", params=embedded_load(token)),
        await connected.client.get("/", headers=bearer),
        await connected.client.get("/admin/scorecard", headers=bearer),
        await connected.client.get("/admin/operations", headers=bearer),
    ]

    assert [answer.status_code for answer in answers] == [401] * len(answers)
    async with connected.app.state.runtime.transaction() as session:
        shops = (await session.exec(select(Shop.domain))).all()
    assert shops == [SHOP]  # nothing was installed on the strength of a bad token


async def test_a_bad_stream_token_is_refused(connected: Connected) -> None:
    await install(connected, SHOP)

    answer = await connected.client.get("/api/v1/events", params={"stream_token": "forged"})

    assert answer.status_code == 401


async def test_a_cookie_session_write_needs_the_pages_csrf_token(connected: Connected) -> None:
    shop = await install(connected, SHOP)
    await login(connected, shop.id or 0)
    page = await connected.client.get("/")
    hx_headers = re.search(r"<body hx-headers='([^']+)'", page.text)
    assert hx_headers is not None
    csrf = json.loads(hx_headers.group(1))["X-CSRF-Token"]

    without = await connected.client.post("/api/v1/cycles", json={"year": 2027})
    wrong = await connected.client.post(
        "/api/v1/cycles", json={"year": 2027}, headers={"X-CSRF-Token": "guessed"}
    )
    async with connected.app.state.runtime.transaction() as session:
        cycles_before = (await session.exec(select(Cycle))).all()
    with_token = await connected.client.post(
        "/api/v1/cycles", json={"year": 2027}, headers={"X-CSRF-Token": csrf}
    )

    assert csrf
    assert (without.status_code, wrong.status_code) == (403, 403)
    assert cycles_before == []  # refused writes changed nothing
    assert with_token.status_code == 201
    assert with_token.json()["name"] == "2027"


# Stands in for Shopify's CDN script: `shopify.idToken()` asks the test for a fresh token.
FAKE_APP_BRIDGE = """
window.shopify = {
  idToken: function () { return window.mintSessionToken(); },
  toast: { show: function () {} },
};
"""


async def installed_with_a_revenue_key_result(session: AsyncSession, shop: Shop) -> None:
    """Installed (credentials held, so a session token needs no token exchange), with this
    year's net sales key result."""
    credentials = ShopifyCredentials(access_token="shpat_x", scope="read_orders")
    shop.credentials_ciphertext = Vault.from_settings(connection_settings()).encrypt(
        credentials.to_json()
    )
    await with_net_sales_key_result(session, shop)


async def test_inside_shopify_htmx_requests_carry_fresh_session_tokens_and_the_page_stays_live(
    server: str, browser: Browser
) -> None:
    await signed_in_shop(server, SHOP, installed_with_a_revenue_key_result)
    page = await browser.new_page()
    minted: list[str] = []

    def mint() -> str:
        minted.append(session_token(SHOP))
        return minted[-1]

    async def app_bridge(route: Route) -> None:
        await route.fulfill(content_type="text/javascript", body=FAKE_APP_BRIDGE)

    scorecard_requests: list[Request] = []
    page.on(
        "request", lambda r: scorecard_requests.append(r) if "/admin/scorecard" in r.url else None
    )
    await page.expose_function("mintSessionToken", mint)
    await page.route(APP_BRIDGE_URL, app_bridge)
    await page.goto(f"{server}/?{httpx.QueryParams(embedded_load(session_token(SHOP)))}")
    value = page.get_by_test_id("kr-value")
    await expect(value).to_have_text("€0.00")
    await page.wait_for_function("window.htmx !== undefined")
    # The load's session token does not stay in the address (nor in the history).
    await page.wait_for_function("!window.location.search.includes('id_token')")
    assert "embedded=1" in page.url

    await post_order_now(server, SHOP)

    # The stream (opened with the page's stream token) said so; htmx fetched the scorecard
    # with a session token fetched for that request (the page's other fragments, such as the
    # status drops' notice, fetch theirs on the same message, in no set order).
    await expect(value).not_to_have_text("€0.00", timeout=PATIENCE_MS)
    authorization = await scorecard_requests[0].header_value("authorization")
    assert authorization is not None
    scheme, token = authorization.split(" ", 1)
    assert scheme == "Bearer"
    assert token in minted
    claims = jwt.decode(token, API_SECRET, algorithms=["HS256"], audience=API_KEY)
    assert claims["dest"] == f"https://{SHOP}"

    # A link to another page carries the embedded parameters and a fresh session token, which
    # then leaves the address. (The sections are the Shopify admin's menu here: a key result's
    # link on the dashboard is one of the page's own.)
    async with page.expect_request(is_document("/admin/key-results/")) as loading:
        await page.get_by_role("link", name="Net sales").click()
    await expect(page.get_by_role("heading", name="Net sales", level=1)).to_be_visible()
    assert f"id_token={minted[-1]}" in (await loading.value).url
    await page.wait_for_function("!window.location.search.includes('id_token')")
    assert "embedded=1" in page.url


async def test_a_share_link_opened_as_if_embedded_runs_no_app_bridge(
    connected: Connected,
) -> None:
    """The embedded page context follows a session token that was verified, not the URL's
    say-so: a share link dressed up as a Shopify load gets no stream token for the admin."""
    shop = await install(connected, SHOP)
    runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        link = await links.create_link(session, shop.id or 0, "Office TV", 30)
    path = f"/share/{links.token_for(link, runtime.settings)}"

    page = await connected.client.get(path, params=embedded_load("not-a-verified-token"))

    assert page.status_code == 200
    assert APP_BRIDGE_URL not in page.text
    assert "stream_token" not in page.text
