"""Signed out and expired (#22): a browser gets one friendly page in its language — an admin
page without a session, an ended session, a login link opened twice — and an API client the
JSON refusal with the reason, whatever it asks for under /api/."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, expect

from app.auth.cookies import SESSION_COOKIE
from tests.admin.browser import signed_in_shop

SHOP = "signed-out-browser.myshopify.com"
JSON = {"Accept": "application/json"}


async def test_a_browser_without_a_session_gets_a_page_saying_how_to_sign_in(
    server: str, browser: Browser
) -> None:
    page = await browser.new_page()
    for path in ("/", "/admin/okrs", "/admin/operations", "/admin/key-results/1"):
        answer = await page.goto(f"{server}{path}")
        assert answer is not None
        assert answer.status == 401, path
        await expect(page.get_by_role("heading", level=1)).to_have_text("You are signed out")
        await expect(page.get_by_text("How to sign in")).to_be_visible()
        assert "unauthorized" not in await page.content()

    spanish = await browser.new_page(locale="es-ES")
    await spanish.goto(f"{server}/admin/okrs")
    await expect(spanish.get_by_role("heading", level=1)).to_have_text("No ha iniciado sesión")


async def test_an_ended_session_and_a_login_link_used_twice_say_what_happened(
    server: str, browser: Browser
) -> None:
    link = await signed_in_shop(server, SHOP)
    first = await browser.new_page()
    await first.goto(link)
    await expect(first.locator("main")).to_be_visible()
    assert first.url.rstrip("/") == server  # signed in, on the dashboard

    again = await (await browser.new_context(locale="de-DE")).new_page()
    answer = await again.goto(link)
    assert answer is not None
    assert answer.status == 404
    await expect(again.get_by_role("heading", level=1)).to_have_text(
        "Dieser Anmeldelink funktioniert nicht mehr"
    )

    ended = await browser.new_context()
    await ended.add_cookies([{"name": SESSION_COOKIE, "value": "no-longer-valid", "url": server}])
    page = await ended.new_page()
    answer = await page.goto(f"{server}/admin/okrs")
    assert answer is not None
    assert answer.status == 401
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your session has ended")


async def test_api_clients_get_json_with_the_reason(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as client:
        admin = await client.get("/admin/okrs", headers=JSON)
        api = await client.get("/api/v1/cycles", headers={"Accept": "text/html"})
        link = await client.get("/auth/login?token=never-made", headers=JSON)
        fragment = await client.get(
            "/admin/scorecard", headers={"Accept": "text/html", "HX-Request": "true"}
        )

    assert admin.status_code == 401
    assert admin.json()["error"]["details"] == {"reason": "no_session"}
    assert api.status_code == 401
    assert api.json()["error"]["code"] == "unauthorized"
    assert link.status_code == 404
    assert link.json()["error"]["details"] == {"reason": "login_link_used"}
    assert fragment.status_code == 401  # htmx: the page reloads into the signed-out page
    assert fragment.headers["HX-Refresh"] == "true"
