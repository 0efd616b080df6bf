"""The admin's pages without a browser: who may see them, and that what merchants typed is
shown as text, never as markup."""

from __future__ import annotations

from datetime import date

from app.auth.cookies import SESSION_COOKIE
from app.okr.service import today_for
from app.shops.login_links import create_login_link
from tests.fixtures.objects import create_okr
from tests.fixtures.stores import Connected
from tests.webhooks.helpers import install

SHOP = "pages.myshopify.com"


async def test_without_a_sign_in_the_dashboard_explains_how_and_is_401(
    connected: Connected,
) -> None:
    page = await connected.client.get("/")
    fragment = await connected.client.get("/admin/scorecard")
    connected.client.cookies.set(SESSION_COOKIE, "forged")
    forged = await connected.client.get("/")

    assert page.status_code == 401
    assert "login-link" in page.text
    assert fragment.status_code == 401
    assert forged.status_code == 401


async def test_what_merchants_typed_is_escaped(connected: Connected) -> None:
    shop = await install(connected, SHOP)
    runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        cycle, _objective, kr = await create_okr(session, shop.id or 0)
        today = today_for(shop)
        cycle.start, cycle.end = date(today.year, 1, 1), date(today.year, 12, 31)
        kr.title = '<script>alert("kr")</script>'
        link = await create_login_link(session, runtime.settings, shop)

    page = await connected.client.get(
        link.removeprefix("https://storeokr.test"), follow_redirects=True
    )

    assert page.status_code == 200
    assert '<script>alert("kr")</script>' not in page.text
    assert "&lt;script&gt;alert(&#34;kr&#34;)&lt;/script&gt;" in page.text
    assert "Faster store" in page.text  # the objective, in this year's cycle
