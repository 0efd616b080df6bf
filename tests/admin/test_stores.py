"""#22: one browser that signed in to two stores with their login links switches between them
(the top bar's "Switch store"), and only between them — another shop's id, or a store no
longer connected, is a 404 that changes nothing. Browser steps: test_stores_browser.py."""

from __future__ import annotations

import re

from app.auth.cookies import SESSION_COOKIE, read_session
from app.shops.login_links import create_login_link
from app.shops.models import Shop, ShopStatus
from tests.fixtures.stores import PUBLIC_URL, Connected
from tests.webhooks.helpers import install


async def log_in(connected: Connected, shop: Shop) -> None:
    runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        link = await create_login_link(session, runtime.settings, shop)
    answer = await connected.client.get(link.removeprefix(PUBLIC_URL))
    assert answer.status_code == 303


def signed_in_to(connected: Connected) -> tuple[int, tuple[int, ...], str]:
    cookie = read_session(connected.client.cookies[SESSION_COOKIE], connected.settings)
    assert cookie is not None
    return cookie.shop_id, cookie.shops, cookie.csrf_token


async def test_a_second_login_in_the_same_browser_keeps_the_first_store_to_switch_to(
    connected: Connected,
) -> None:
    first = await install(connected, "first-store.myshopify.com")
    second = await install(connected, "second-store.myshopify.com")
    await log_in(connected, first)
    alone = await connected.client.get("/")
    await log_in(connected, second)

    page = await connected.client.get("/admin/stores")
    current, shops, csrf = signed_in_to(connected)
    choice = {"csrf_token": csrf, "store": str(first.id)}
    switched = await connected.client.post("/admin/stores", data=choice)
    dashboard = await connected.client.get("/")

    assert 'data-testid="switch-store"' not in alone.text  # one store: nothing to switch
    assert (current, shops) == (second.id, (second.id, first.id))
    assert page.status_code == 200
    assert re.search(rf'name="store" value="{first.id}"', page.text)
    assert f'name="store" value="{second.id}"' not in page.text  # the open one is marked
    assert switched.status_code == 303
    assert signed_in_to(connected)[:2] == (first.id, (first.id, second.id))
    assert 'data-testid="switch-store"' in dashboard.text


async def test_only_the_browsers_own_connected_stores_can_be_opened(connected: Connected) -> None:
    mine = await install(connected, "mine-store.myshopify.com")
    gone = await install(connected, "gone-store.myshopify.com")
    stranger = await install(connected, "stranger-store.myshopify.com")
    await log_in(connected, gone)
    await log_in(connected, mine)
    runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        row = await session.get(Shop, gone.id)
        assert row is not None
        row.status = ShopStatus.UNINSTALLED
    _current, _shops, csrf = signed_in_to(connected)

    answers = [
        await connected.client.post("/admin/stores", data={"csrf_token": csrf, "store": store})
        for store in (str(stranger.id), str(gone.id), "not-a-number", "")
    ]
    forged = await connected.client.post("/admin/stores", data={"store": str(gone.id)})
    page = await connected.client.get("/admin/stores?locale=de")

    assert [answer.status_code for answer in answers] == [404, 404, 404, 404]
    assert forged.status_code == 403
    assert signed_in_to(connected)[0] == mine.id
    assert "gone-store" not in page.text  # no longer connected: not offered
    assert "Deine Shops" in page.text
