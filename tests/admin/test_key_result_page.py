"""The key-result page over HTTP: its status and server-drawn chart, only for the shop's own key
results, and check-ins through its form (refused ones beside their field, storing nothing)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import httpx
from sqlmodel import col, select

from app.auth.cookies import SESSION_COOKIE
from app.db import utcnow
from app.metrics.catalogue import BY_KEY
from app.okr.key_results import cycle_of
from app.okr.models import CheckIn, CycleStatus, KeyResult, Source
from app.okr.service import today_for
from app.shops.login_links import create_login_link
from app.shops.models import Shop
from tests.fixtures.app import finish_jobs
from tests.fixtures.objects import create_okr, create_shop
from tests.fixtures.payloads import payload
from tests.fixtures.platforms import session_token
from tests.fixtures.stores import Connected
from tests.fixtures.webhooks import shopify_delivery
from tests.webhooks.helpers import install

SHOP = "key-result.myshopify.com"
HTMX = {"HX-Request": "true"}


def bearer() -> dict[str, str]:
    return {"Authorization": f"Bearer {session_token(SHOP)}"}


async def key_result(connected: Connected, shop: Shop, **fields: object) -> KeyResult:
    """A key result in a cycle from 20 days ago to 20 days ahead (default: manual, page load
    in seconds from 3.4 down to 2.0)."""
    async with connected.app.state.runtime.transaction() as session:
        cycle, _objective, kr = await create_okr(session, shop.id or 0)
        today = today_for(shop)
        cycle.start, cycle.end = today - timedelta(days=20), today + timedelta(days=20)
        kr.unit = "s"
        for name, value in fields.items():
            setattr(kr, name, value)
    return kr


async def check_ins(connected: Connected, kr: KeyResult) -> list[CheckIn]:
    async with connected.app.state.runtime.transaction() as session:
        statement = select(CheckIn).where(CheckIn.key_result_id == kr.id).order_by(col(CheckIn.at))
        return list((await session.exec(statement)).all())


async def snapshot(connected: Connected, kr: KeyResult, day: date, value: Decimal) -> None:
    """A daily snapshot as the `okr.snapshot` job stores it."""
    async with connected.app.state.runtime.transaction() as session:
        session.add(CheckIn(shop_id=kr.shop_id, key_result_id=kr.id or 0, value=value,
                            author="StoreOKR", snapshot_day=day))  # fmt: skip


async def post_order(connected: Connected, order_id: int, day: date) -> None:
    """An order placed at noon (UTC) on `day`."""
    moment = utcnow().replace(year=day.year, month=day.month, day=day.day, hour=12, minute=0,
                              second=0, microsecond=0).isoformat()  # fmt: skip
    order = {**payload("shopify_order"), "id": order_id, "name": f"#{order_id}",
             "order_number": order_id, "created_at": moment, "updated_at": moment,
             "processed_at": moment}  # fmt: skip
    headers, body = shopify_delivery(SHOP, "orders/create", order)
    answer = await connected.client.post("/webhooks/shopify", headers=headers, content=body)
    assert answer.status_code == 200
    await finish_jobs(connected.app)


async def check_in(
    connected: Connected, kr: KeyResult, headers: dict[str, str] | None = None, **form: str
) -> httpx.Response:
    sent = {**bearer(), **HTMX, **(headers or {})}
    return await connected.client.post(
        f"/admin/key-results/{kr.id}/check-ins", data=form, headers=sent
    )


async def test_the_page_shows_the_status_the_chart_and_the_metric_definition(
    connected: Connected,
) -> None:
    shop = await install(connected, SHOP)
    kr = await key_result(connected, shop, title="Net sales", source=Source.METRIC,
                          metric_key="net_sales", kr_type="increase_to",
                          start_value=Decimal(0), target=Decimal(1000), unit="")  # fmt: skip
    today = today_for(shop)
    for number, days_ago in enumerate((12, 5, 2)):  # daily totals that vary: a real band
        await post_order(connected, 7000 + number, today - timedelta(days=days_ago))
    await snapshot(connected, kr, today - timedelta(days=3), Decimal("151.92"))

    page = await connected.client.get(f"/admin/key-results/{kr.id}", headers=bearer())

    assert page.status_code == 200
    html = page.text
    assert "<h1>Net sales</h1>" in html
    assert "Faster store" in html
    assert '<a href="/">' in html  # back to the dashboard
    assert re.search(r'data-testid="kr-value">€[\d,.]+<', html)
    assert "€1,000.00" in html  # the target, in the shop's currency
    badge = r'class="badge badge-(red|yellow|green)" data-status="\w+">'
    assert re.search(badge + "(Off track|At risk|On track)<", html)
    assert "The status is the worst of three signals" in html
    svg = html[html.index("<svg") : html.index("</svg>")]
    for drawn in ("chart-values", "chart-target", "chart-pace", "chart-forecast"):
        assert f'class="{drawn}"' in svg, drawn
    assert "<title id=" in svg
    assert "<desc id=" in svg
    assert "€1,000.00" in svg  # ticks and description in the key result's unit
    assert BY_KEY["net_sales"].definition in html
    assert '<link rel="stylesheet" href="/admin/static/key_result.css">' in html
    german = await connected.client.get(f"/admin/key-results/{kr.id}?locale=de", headers=bearer())
    assert "1.000,00\xa0€" in german.text[german.text.index("<svg") :]  # the page's locale


async def test_a_manual_key_result_says_it_moves_by_check_ins_and_draws_its_start(
    connected: Connected,
) -> None:
    shop = await install(connected, SHOP)
    kr = await key_result(connected, shop)

    html = (await connected.client.get(f"/admin/key-results/{kr.id}", headers=bearer())).text

    assert "A manual key result: moved by check-ins." in html
    assert "3.40 s" in html  # the start value is its value until the first check-in
    assert 'class="chart-point"' in html
    assert 'class="chart-pace"' in html
    assert 'name="value"' in html  # a manual key result takes its value from the form
    assert "No check-ins yet." in html


async def test_another_shops_key_result_and_an_unknown_one_are_not_found(
    connected: Connected,
) -> None:
    await install(connected, SHOP)
    async with connected.app.state.runtime.transaction() as session:
        other = await create_shop(session, domain="other.myshopify.com")
        _cycle, _objective, theirs = await create_okr(session, other.id or 0)

    page = await connected.client.get(f"/admin/key-results/{theirs.id}", headers=bearer())
    posted = await check_in(connected, theirs, value="1.0")
    unknown = await connected.client.get("/admin/key-results/999999", headers=bearer())
    huge = await connected.client.get(f"/admin/key-results/{2**40}", headers=bearer())

    for answer in (page, posted, unknown, huge):
        assert answer.status_code == 404
        assert "Not found" in answer.text
        assert "<html" in answer.text
    assert "Page load" not in page.text
    assert await check_ins(connected, theirs) == []


async def test_a_refused_check_in_comes_back_with_each_error_beside_its_field(
    connected: Connected,
) -> None:
    shop = await install(connected, SHOP)
    kr = await key_result(connected, shop)

    answer = await check_in(connected, kr, value="fast", confidence="11", comment="typed before")

    assert answer.status_code == 422
    html = answer.text
    assert "<html" not in html  # htmx gets the page's live part only
    assert html.lstrip().startswith('<div id="key-result-body">')
    assert 'aria-describedby="check-in-value-hint check-in-value-error"' in html
    assert 'id="check-in-value-error">Enter a number, for example 12.5.' in html
    assert re.search(r'id="check-in-confidence-error">Choose a whole number from 1 to 10', html)
    assert 'aria-describedby="check-in-confidence-hint check-in-confidence-error"' in html
    assert ">typed before</textarea>" in html  # what was typed is kept
    assert "autofocus" in html
    assert await check_ins(connected, kr) == []


async def test_the_rules_of_the_check_in_function_are_the_forms(connected: Connected) -> None:
    shop = await install(connected, SHOP)
    manual = await key_result(connected, shop)
    metric = await key_result(
        connected, shop, source=Source.METRIC, metric_key="orders", kr_type="increase_to",
        start_value=Decimal(0), target=Decimal(10),
    )  # fmt: skip

    without_value = await check_in(connected, manual, confidence="6")
    value_for_metric = await check_in(connected, metric, value="5", confidence="6")

    assert without_value.status_code == 422
    assert re.search(
        r'id="check-in-value-error">a manual key result moves by the value checked in',
        without_value.text,
    )
    assert value_for_metric.status_code == 422  # no value field: said at the form's top
    assert re.search(r'role="alert">a metric key result&#39;s value comes from the store',
                     value_for_metric.text)  # fmt: skip
    assert await check_ins(connected, manual) == await check_ins(connected, metric) == []


async def test_a_valid_check_in_is_stored_and_shown_in_the_list_and_the_chart(
    connected: Connected,
) -> None:
    shop = await install(connected, SHOP)
    kr = await key_result(connected, shop)
    before = (await connected.client.get(f"/admin/key-results/{kr.id}", headers=bearer())).text

    german = {"X-StoreOKR-Locale": "de-DE"}
    answer = await check_in(connected, kr, german, value="2,7", confidence="7",
                            comment="Bilder verkleinert", author="Ana")  # fmt: skip

    assert answer.status_code == 200
    [stored] = await check_ins(connected, kr)
    assert stored.value == Decimal("2.7")
    assert (stored.confidence, stored.comment, stored.author) == (7, "Bilder verkleinert", "Ana")
    assert stored.score == 0.5  # (3.4 − 2.7) ÷ (3.4 − 2.0), as the API records it
    html = answer.text
    [row] = re.findall(r'<tr data-testid="check-in">(.*?)</tr>', html, re.S)
    assert "2,70 s" in row
    assert "7/10" in row
    assert "Bilder verkleinert" in row
    assert "Ana" in row
    assert 'role="status"' in html  # "saved", said to screen readers too
    assert 'value=""' in html  # the form is empty again for the next check-in
    # The chart gains the check-in (the live value, now the same, stays the last point).
    assert html.count('class="chart-point"') == before.count('class="chart-point"') + 1
    assert 'class="chart-values"' in html
    assert 'class="chart-values"' not in before
    assert 'data-testid="kr-value">2,70 s<' in html  # the live value moved with it


async def test_a_plain_form_needs_its_csrf_token_and_is_redirected_after_a_save(
    connected: Connected,
) -> None:
    shop = await install(connected, SHOP)
    kr = await key_result(connected, shop)
    async with connected.app.state.runtime.transaction() as session:
        link = await create_login_link(session, connected.settings, shop)
    client = connected.client
    await client.get(link.removeprefix("https://storeokr.test"), follow_redirects=True)
    assert client.cookies.get(SESSION_COOKIE)
    page = (await client.get(f"/admin/key-results/{kr.id}")).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    url = f"/admin/key-results/{kr.id}/check-ins"

    forged = await client.post(url, data={"value": "3.0"})
    saved = await client.post(url, data={"value": "3.0", "csrf_token": token[1]})

    assert forged.status_code == 403
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/admin/key-results/{kr.id}#check-ins"
    assert len(await check_ins(connected, kr)) == 1
    shown = await client.get(saved.headers["location"])
    assert "3 s" in re.findall(r'<tr data-testid="check-in">(.*?)</tr>', shown.text, re.S)[0]


async def test_a_comment_with_a_script_is_shown_as_text(connected: Connected) -> None:
    shop = await install(connected, SHOP)
    kr = await key_result(connected, shop, title="<b>Load</b>")

    answer = await check_in(connected, kr, value="3", comment='<script>alert("x")</script>')
    page = await connected.client.get(f"/admin/key-results/{kr.id}", headers=bearer())

    for html in (answer.text, page.text):
        assert "<script>alert" not in html
        assert "<b>Load</b>" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "&lt;b&gt;Load&lt;/b&gt; over time" in page.text  # the chart's title, escaped too


async def test_a_closed_cycle_shows_no_check_in_form(connected: Connected) -> None:
    shop = await install(connected, SHOP)
    kr = await key_result(connected, shop)
    async with connected.app.state.runtime.transaction() as session:
        cycle = await cycle_of(session, shop.id or 0, kr)
        cycle.status = CycleStatus.CLOSED

    page = await connected.client.get(f"/admin/key-results/{kr.id}", headers=bearer())
    refused = await check_in(connected, kr, value="3")

    assert "This cycle is closed" in page.text
    assert "<form" not in page.text
    assert refused.status_code == 409
    assert await check_ins(connected, kr) == []


async def test_an_empty_check_in_on_a_metric_key_result_is_refused_not_a_row_of_dashes(
    connected: Connected,
) -> None:
    shop = await install(connected, SHOP)
    metric = await key_result(
        connected, shop, source=Source.METRIC, metric_key="orders", kr_type="increase_to",
        start_value=Decimal(0), target=Decimal(10),
    )  # fmt: skip

    empty = await check_in(connected, metric, comment="   ")
    commented = await check_in(connected, metric, comment="Bundles launched")

    assert empty.status_code == 422
    assert re.search(r'id="check-in-comment-error">say how confident you are', empty.text)
    assert commented.status_code == 200
    assert [entry.comment for entry in await check_ins(connected, metric)] == ["Bundles launched"]
