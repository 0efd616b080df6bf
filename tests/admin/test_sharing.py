"""Sharing (#9, 3) without a browser: share links open the dashboard read-only and nothing else,
a revoked, expired or altered one is a 404 that reveals nothing, the form checks what it is
given, and the CSV exports hold the shop's own data as plain numbers and defused text."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import AsyncGenerator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from sqlmodel import select

from app.admin.sharing import share_page
from app.auth.cookies import SESSION_COOKIE, read_session
from app.db import utcnow
from app.okr.models import CheckIn, Cycle, KeyResult
from app.okr.service import today_for
from app.sharing import links
from app.sharing.models import ShareLink
from app.shops.login_links import create_login_link
from app.shops.models import Shop
from tests.fixtures.objects import create_okr
from tests.fixtures.stores import PUBLIC_URL, Connected
from tests.webhooks.helpers import install

SHOP, OTHER = "sharing.myshopify.com", "other-sharing.myshopify.com"


async def with_okr(connected: Connected, domain: str, title: str = "Page load") -> Shop:
    """An installed shop whose open cycle (this year) has "Faster store" with one manual KR."""
    shop = await install(connected, domain)
    async with connected.app.state.runtime.transaction() as session:
        cycle, _objective, kr = await create_okr(session, shop.id or 0)
        this_year = today_for(shop).year
        cycle.start, cycle.end = date(this_year, 1, 1), date(this_year, 12, 31)
        kr.title = title
    return shop


async def sign_in(connected: Connected, shop: Shop) -> str:
    """A cookie session for the shop on the test client; its CSRF token."""
    runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        link = await create_login_link(session, runtime.settings, shop)
    await connected.client.get(link.removeprefix(PUBLIC_URL))
    cookie = read_session(connected.client.cookies[SESSION_COOKIE], runtime.settings)
    assert cookie is not None
    return cookie.csrf_token


async def share(connected: Connected, shop: Shop) -> tuple[ShareLink, str]:
    """A link made directly (the form has its own tests), and its path."""
    runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        link = await links.create_link(session, shop.id or 0, "Office TV", 30)
    return link, f"/share/{links.token_for(link, runtime.settings)}"


def anonymous(connected: Connected) -> httpx.AsyncClient:
    """A client with no cookie at all, as whoever receives the link."""
    transport = httpx.ASGITransport(app=connected.app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://storeokr.test")


async def test_the_form_makes_a_link_that_opens_the_dashboard_read_only(
    connected: Connected,
) -> None:
    shop = await with_okr(connected, SHOP)
    csrf = await sign_in(connected, shop)

    made = await connected.client.post(
        "/admin/sharing", data={"label": "Office TV", "days": "30", "csrf_token": csrf}
    )
    assert made.status_code == 303
    listed = await connected.client.get(made.headers["location"])
    assert listed.status_code == 200
    url = re.search(r'id="created-url"[^>]*value="([^"]+)"', listed.text)
    assert url is not None
    assert url.group(1).startswith(f"{PUBLIC_URL}/share/")
    assert 'data-testid="share-status">Active<' in listed.text

    path = url.group(1).removeprefix(PUBLIC_URL)
    async with anonymous(connected) as visitor:
        page = await visitor.get(path)
        fragment = await visitor.get(f"{path}/scorecard")
        tv = await visitor.get(f"{path}?tv=1")

    assert page.status_code == 200
    assert "Faster store" in page.text
    assert "Page load" in page.text
    assert '<meta name="robots" content="noindex' in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in page.headers
    for body in (page.text, fragment.text, tv.text):
        assert "<form" not in body
        assert "<nav" not in body
        assert all(href.startswith(("/share/", "#")) for href in _links(body))
        assert all(address.startswith("/admin/static/") for address in _admin_urls(body))
    assert f'data-stream="{path}/events"' in page.text
    assert fragment.status_code == 200
    assert "Page load" in fragment.text
    assert tv.status_code == 200
    assert 'class="shared tv"' in tv.text
    # The merchant opening their own link: the page still holds no CSRF token of theirs.
    assert csrf not in (await connected.client.get(path)).text


def _links(html: str) -> list[str]:
    return re.findall(r'<a [^>]*href="([^"]*)"', html)


def _admin_urls(html: str) -> list[str]:
    """Every admin URL the page names (its scripts and stylesheets are fine)."""
    return re.findall(r'"(/admin/[^"]*)"', html)


async def test_revoked_expired_and_altered_links_answer_404(connected: Connected) -> None:
    shop = await with_okr(connected, SHOP)
    csrf = await sign_in(connected, shop)
    revoked, revoked_path = await share(connected, shop)
    expired, expired_path = await share(connected, shop)
    _valid, valid_path = await share(connected, shop)
    runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        row = await session.get(ShareLink, expired.id)
        assert row is not None
        row.expires_at = utcnow().replace(microsecond=0) - timedelta(seconds=1)
        expired_now_path = f"/share/{links.token_for(row, runtime.settings)}"

    revoking = await connected.client.post(
        f"/admin/sharing/{revoked.id}/revoke", data={"csrf_token": csrf}
    )
    assert revoking.status_code == 303

    token = valid_path.removeprefix("/share/")
    link_id, expires, signature = token.split(".")
    altered = [
        f"{int(link_id) + 1}.{expires}.{signature}",  # another link's id
        f"{link_id}.{int(expires) + 86400}.{signature}",  # a longer life
        f"{link_id}.{expires}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
        f"{link_id}.{expires}",
        "anything",
    ]
    async with anonymous(connected) as visitor:
        assert (await visitor.get(valid_path)).status_code == 200
        for path in [revoked_path, expired_path, expired_now_path] + [
            f"/share/{t}" for t in altered
        ]:
            for suffix in ("", "/scorecard", "/events", "?tv=1"):
                answer = await visitor.get(path + suffix)
                assert answer.status_code == 404, path + suffix
                assert "Faster store" not in answer.text
                assert "Office TV" not in answer.text
        page = await visitor.get(revoked_path)
    assert "This link is not available" in page.text  # the same words for every refusal


async def test_nothing_behind_a_share_link_writes_or_signs_in(connected: Connected) -> None:
    shop = await with_okr(connected, SHOP)
    _link, path = await share(connected, shop)
    token = path.removeprefix("/share/")

    async with anonymous(connected) as visitor:
        for target in (path, f"{path}/scorecard", f"{path}/events"):
            for method in ("POST", "PUT", "PATCH", "DELETE"):
                answer = await visitor.request(method, target)
                assert answer.status_code == 405, (method, target)
        opened = await visitor.get(path)
        assert "set-cookie" not in opened.headers
        assert not visitor.cookies
        as_bearer = await visitor.get(
            "/api/v1/cycles", headers={"Authorization": f"Bearer {token}"}
        )
        as_stream_token = await visitor.get(f"/api/v1/events?stream_token={token}")
        visitor.cookies.set(SESSION_COOKIE, token)
        as_cookie = await visitor.get("/api/v1/cycles")
        admin_page = await visitor.get("/admin/sharing")

    assert as_bearer.status_code == 401
    assert as_stream_token.status_code == 401
    assert as_cookie.status_code == 401
    assert admin_page.status_code == 401


async def test_the_form_refuses_what_it_cannot_use_beside_the_field(
    connected: Connected,
) -> None:
    shop = await with_okr(connected, SHOP)
    csrf = await sign_in(connected, shop)

    cases = [
        ({"label": " ", "days": "30"}, "label"),
        ({"label": "x" * 121, "days": "30"}, "label"),
        ({"label": "TV", "days": "0"}, "days"),
        ({"label": "TV", "days": "366"}, "days"),
        ({"label": "TV", "days": "ten"}, "days"),
        ({"label": "TV", "days": "1.5"}, "days"),
    ]
    for fields, wrong in cases:
        answer = await connected.client.post("/admin/sharing", data={**fields, "csrf_token": csrf})
        assert answer.status_code == 422, fields
        assert f'<p class="field-error" id="share-{wrong}-error">' in answer.text
        assert f'aria-describedby="share-{wrong}-hint share-{wrong}-error"' in answer.text
        assert 'aria-invalid="true"' in answer.text
        assert f'value="{fields["label"].strip()}"' in answer.text  # as typed, kept

    async with connected.app.state.runtime.transaction() as session:
        assert (await session.exec(select(ShareLink))).all() == []

    made = await connected.client.post(
        "/admin/sharing", data={"label": "Investors", "csrf_token": csrf, "days": "365"}
    )
    assert made.status_code == 303
    async with connected.app.state.runtime.transaction() as session:
        link = (await session.exec(select(ShareLink))).one()
    assert link.label == "Investors"
    assert link.expires_at - link.created_at == timedelta(days=365)


async def test_revoking_needs_the_csrf_token_and_the_shops_own_link(
    connected: Connected,
) -> None:
    shop = await with_okr(connected, SHOP)
    other = await with_okr(connected, OTHER)
    mine, path = await share(connected, shop)
    theirs, their_path = await share(connected, other)
    csrf = await sign_in(connected, shop)

    without = await connected.client.post(f"/admin/sharing/{mine.id}/revoke", data={"x": "1"})
    wrong = await connected.client.post(
        f"/admin/sharing/{mine.id}/revoke", data={"csrf_token": "not-the-token"}
    )
    not_mine = await connected.client.post(
        f"/admin/sharing/{theirs.id}/revoke", data={"csrf_token": csrf}
    )

    assert without.status_code == 403
    assert wrong.status_code == 403
    assert not_mine.status_code == 404
    async with anonymous(connected) as visitor:
        assert (await visitor.get(path)).status_code == 200
        assert (await visitor.get(their_path)).status_code == 200


async def test_the_page_lists_links_with_their_status_and_escapes_labels(
    connected: Connected,
) -> None:
    shop = await with_okr(connected, SHOP)
    other = await with_okr(connected, OTHER)
    await share(connected, other)  # another shop's link is not listed
    runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        active = await links.create_link(session, shop.id or 0, "<b>TV</b>", 30)
        revoked = await links.create_link(session, shop.id or 0, "Board", 30)
        expired = await links.create_link(session, shop.id or 0, "Old", 1)
        await links.revoke(session, shop.id or 0, revoked.id or 0)
        expired.expires_at = utcnow() - timedelta(days=1)
    await sign_in(connected, shop)

    page = await connected.client.get("/admin/sharing")
    async with anonymous(connected) as visitor:
        anonymous_page = await visitor.get("/admin/sharing")

    assert page.status_code == 200
    assert anonymous_page.status_code == 401
    statuses = dict(
        re.findall(r'data-share-link="(\d+)">.*?data-testid="share-status">(\w+)<', page.text, re.S)
    )
    assert statuses == {
        str(active.id): "Active",
        str(revoked.id): "Revoked",
        str(expired.id): "Expired",
    }
    assert "&lt;b&gt;TV&lt;/b&gt;" in page.text
    assert "<b>TV</b>" not in page.text
    assert page.text.count("/share/") == 1  # only the active link's URL is offered
    assert links.url_for(active, runtime.settings) in page.text
    assert 'href="/admin/export/key-results.csv"' in page.text
    assert 'href="/admin/export/check-ins.csv"' in page.text


async def test_an_open_stream_ends_once_its_link_is_revoked(
    connected: Connected, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await with_okr(connected, SHOP)
    link, _path = await share(connected, shop)
    runtime = connected.app.state.runtime
    monkeypatch.setattr(share_page, "RECHECK_S", 0.0)

    async def heartbeats() -> AsyncGenerator[str, None]:
        while True:
            yield ": heartbeat\n\n"

    stream = share_page.while_open(runtime, link.id or 0, heartbeats())
    assert await anext(stream) == ": heartbeat\n\n"
    async with runtime.transaction() as session:
        await links.revoke(session, shop.id or 0, link.id or 0)
    with pytest.raises(StopAsyncIteration):
        await anext(stream)


async def test_key_results_csv_has_plain_numbers_defused_text_and_only_this_shop(
    connected: Connected,
) -> None:
    shop = await with_okr(connected, SHOP, title='=HYPERLINK("http://evil")')
    await with_okr(connected, OTHER, title="Their secret key result")
    runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        kr = (await session.exec(select(KeyResult).where(KeyResult.shop_id == shop.id))).one()
        session.add(CheckIn(shop_id=shop.id or 0, key_result_id=kr.id or 0, value=Decimal("2.7")))
    await sign_in(connected, shop)

    answer = await connected.client.get("/admin/export/key-results.csv?locale=de")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith("attachment; filename=")
    assert answer.headers["content-disposition"].endswith('.csv"')
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert rows == [
        {
            "cycle": str(today_for(shop).year),
            "objective": "Faster store",
            "key_result": '\'=HYPERLINK("http://evil")',
            "metric": "manual",
            "unit": "",
            "type": "decrease_to",
            "start": "3.4",
            "target": "2",
            "value": "2.7",
            "score": "0.5000",
            "band": "yellow",
            "status": "at_risk",  # a yellow score is at risk whatever its pace
            "pace": rows[0]["pace"],  # depends on today's date in the cycle
            "forecast": "",
        }
    ]
    assert rows[0]["pace"] in {"ahead", "on_track", "behind"}
    assert "Their secret" not in answer.text


async def test_check_ins_csv_lists_people_s_check_ins_not_snapshots_on_the_shops_day(
    connected: Connected,
) -> None:
    shop = await with_okr(connected, SHOP)
    other = await with_okr(connected, OTHER)
    runtime = connected.app.state.runtime
    year = today_for(shop).year
    # 22:30 on 1 March in New York (EST, before daylight saving) is already 2 March in UTC.
    at = datetime(year, 3, 2, 3, 30, tzinfo=UTC)
    async with runtime.transaction() as session:
        row = await session.get(Shop, shop.id)
        assert row is not None
        row.timezone = "America/New_York"
        mine = (await session.exec(select(KeyResult).where(KeyResult.shop_id == shop.id))).one()
        theirs = (await session.exec(select(KeyResult).where(KeyResult.shop_id == other.id))).one()
        cycle = (await session.exec(select(Cycle).where(Cycle.shop_id == shop.id))).one()
        session.add_all(
            [
                CheckIn(
                    shop_id=shop.id or 0,
                    key_result_id=mine.id or 0,
                    at=at,
                    value=Decimal("-1.50"),
                    confidence=7,
                    comment="+SUM(A1:A9)",
                    author="@ana",
                ),  # fmt: skip
                CheckIn(
                    shop_id=shop.id or 0,
                    key_result_id=mine.id or 0,
                    at=at,
                    value=Decimal("3.1"),
                    snapshot_day=cycle.start,
                ),  # fmt: skip
                CheckIn(
                    shop_id=other.id or 0,
                    key_result_id=theirs.id or 0,
                    at=at,
                    value=Decimal(9),
                    comment="their comment",
                ),  # fmt: skip
            ]
        )
    await sign_in(connected, shop)

    answer = await connected.client.get("/admin/export/check-ins.csv")

    assert answer.status_code == 200
    assert answer.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows == [
        [
            "cycle",
            "objective",
            "key_result",
            "day",
            "at",
            "value",
            "confidence",
            "comment",
            "author",
        ],
        [
            cycle.name,
            "Faster store",
            "Page load",
            f"{year}-03-01",
            f"{year}-03-01T22:30:00-05:00",
            "-1.5",
            "7",
            "'+SUM(A1:A9)",
            "'@ana",
        ],  # fmt: skip
    ]


async def test_exports_need_a_sign_in(connected: Connected) -> None:
    for path in ("/admin/export/key-results.csv", "/admin/export/check-ins.csv"):
        assert (await connected.client.get(path)).status_code == 401


async def test_the_request_log_never_holds_a_share_token(
    connected: Connected, caplog: pytest.LogCaptureFixture
) -> None:
    shop = await with_okr(connected, SHOP)
    _link, path = await share(connected, shop)
    token = path.removeprefix("/share/")
    caplog.set_level(logging.INFO, logger="app.request")

    async with anonymous(connected) as visitor:
        for target in (path, f"{path}/scorecard", f"{path}x/events", f"{path}/elsewhere"):
            await visitor.get(target)

    logged = [record.getMessage() for record in caplog.records if record.name == "app.request"]
    assert logged == [
        "GET /share/… 200",
        "GET /share/…/scorecard 200",
        "GET /share/…/events 404",
        "GET /share/…/elsewhere 404",
    ]
    assert token not in caplog.text
    assert token.split(".")[-1] not in caplog.text
