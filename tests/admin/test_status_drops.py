"""A key result whose status dropped this past week says so on its own page too (from what to
what, on which shop-local day, in the page's language), the dashboard's notice can be fetched
alone for htmx to swap in, and a check that noted a status change tells the open pages."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from app.db import utcnow
from app.digest.alerts.models import KeyResultAlert
from app.digest.alerts.service import STATUSES_MESSAGE, check_shop
from app.live.messages import shop_channel
from app.runtime import Runtime
from app.shops.models import Shop
from tests.digest.test_alerts import add_milestone, mark
from tests.fixtures.stores import Connected
from tests.shops.test_access import login
from tests.webhooks.helpers import install

SHOP = "drops-page.myshopify.com"


async def watched_milestone(connected: Connected, timezone: str = "UTC") -> tuple[int, int]:
    """A signed-in shop whose milestone (done: on track) the alerts have seen once."""
    runtime: Runtime = connected.app.state.runtime
    shop = await install(connected, SHOP)
    async with runtime.transaction() as session:
        row = await session.get(Shop, shop.id)
        assert row is not None
        row.timezone = timezone
        kr_id = await add_milestone(session, row, "New shop front live", done=True)
    await check_shop(runtime, shop.id or 0)
    await login(connected, shop.id or 0)
    return shop.id or 0, kr_id


def drop_line(html: str) -> str | None:
    found = re.search(r'data-testid="kr-status-drop">(.*?)</p>', html, re.S)
    return found.group(1).strip() if found else None


async def test_the_key_result_page_says_when_its_status_dropped_in_the_pages_language(
    connected: Connected,
) -> None:
    runtime: Runtime = connected.app.state.runtime
    shop_id, kr_id = await watched_milestone(connected, timezone="Pacific/Auckland")
    page = f"/admin/key-results/{kr_id}"
    assert drop_line((await connected.client.get(page)).text) is None  # nothing dropped yet

    await mark(runtime, kr_id, done=False)
    await check_shop(runtime, shop_id)
    async with runtime.transaction() as session:  # a drop noted at 23:30 UTC: in Auckland,
        row = await session.get(KeyResultAlert, kr_id)  # already the next day
        assert row is not None
        yesterday = utcnow() - timedelta(days=1)
        row.dropped_at = yesterday.replace(hour=23, minute=30, second=0, microsecond=0)
    local = (yesterday + timedelta(days=1)).date()
    german = await connected.client.get(page, params={"locale": "de"})
    spanish = await connected.client.get(f"{page}/live", params={"locale": "es"})

    day = f"{local.day:02d}.{local.month:02d}.{local.year}"
    assert (
        drop_line(german.text)
        == f"Sein Status ist am {day} von Im Plan auf Nicht im Plan gefallen."
    )
    spanish_line = drop_line(spanish.text)  # the live part, swapped in when the stream speaks
    assert spanish_line is not None
    assert spanish_line.startswith("Su estado bajó de En buen camino a Desviado el ")

    await mark(runtime, kr_id, done=True)  # back on track: the drop is no longer news
    await check_shop(runtime, shop_id)
    assert drop_line((await connected.client.get(page)).text) is None


async def test_a_drop_older_than_a_week_is_not_said(connected: Connected) -> None:
    runtime: Runtime = connected.app.state.runtime
    shop_id, kr_id = await watched_milestone(connected)
    await mark(runtime, kr_id, done=False)
    await check_shop(runtime, shop_id)
    async with runtime.transaction() as session:
        row = await session.get(KeyResultAlert, kr_id)
        assert row is not None
        row.dropped_at = utcnow() - timedelta(days=8)

    page = await connected.client.get(f"/admin/key-results/{kr_id}")
    notice = await connected.client.get("/admin/status-drops")

    assert drop_line(page.text) is None
    assert notice.status_code == 200
    assert "status-drops" not in notice.text


async def test_the_dashboards_notice_alone_lists_the_drop(connected: Connected) -> None:
    runtime: Runtime = connected.app.state.runtime
    shop_id, kr_id = await watched_milestone(connected)
    await mark(runtime, kr_id, done=False)
    await check_shop(runtime, shop_id)

    notice = await connected.client.get("/admin/status-drops", params={"locale": "es"})
    dashboard = await connected.client.get("/")

    assert notice.status_code == 200
    assert 'data-testid="status-drops"' in notice.text
    assert "«New shop front live» pasó de En buen camino a Desviado" in notice.text
    assert "<html" not in notice.text  # a fragment, not a page
    assert 'hx-get="/admin/status-drops" hx-trigger="okr-changed from:body"' in dashboard.text


async def test_a_check_that_notes_a_status_change_tells_the_shops_open_pages(
    connected: Connected,
) -> None:
    runtime: Runtime = connected.app.state.runtime
    shop_id, kr_id = await watched_milestone(connected)
    await mark(runtime, kr_id, done=False)

    async with runtime.broadcaster.subscribe(shop_channel(shop_id)) as subscription:
        await check_shop(runtime, shop_id)
        told = await subscription.next(10)
        await check_shop(runtime, shop_id)  # nothing moved since
        quiet = await subscription.next(0.5)

    assert told is not None
    message = json.loads(told)
    assert message["kind"] == STATUSES_MESSAGE
    assert message["data"] == {"key_results": [{"id": kr_id, "health": "off_track"}]}
    assert quiet is None
