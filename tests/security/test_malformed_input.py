"""Malformed input is a 4xx that names what was wrong, and changes nothing: signatures and
tokens that are not ASCII (a constant-time comparison of str raises on them), a stale or
unstamped install callback, and numbers no page could show later (NaN, 1e23, 10**26, years 1
to 9999), through the API and the admin's forms alike."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from app.db import utcnow
from app.integrations.platforms import Platform
from app.okr.models import Cycle, Objective
from app.okr.service import today_for
from app.shops.models import AuthNonce, Shop
from tests.admin.editor_client import Admin, error_next_to, signed_in
from tests.fixtures.payloads import payload
from tests.fixtures.platforms import API_SECRET, session_token
from tests.fixtures.stores import Connected
from tests.fixtures.webhooks import shopify_delivery, woocommerce_delivery
from tests.okr.history import with_sales
from tests.shops.helpers import count_rows, query_param, signed_callback_query
from tests.webhooks.helpers import WOO_SECRET, install

SHOP = "malformed.myshopify.com"
STORE = "https://store.example"
NOT_ASCII = "é".encode()  # on the wire a header holds whatever bytes the sender put there
OKR_TABLES = ("okr_cycles", "okr_objectives", "okr_key_results", "okr_check_ins")


async def stored_okrs(engine: AsyncEngine) -> list[tuple[str, list[str]]]:
    """Every OKR row, as text: what "nothing changed" compares."""
    async with engine.connect() as connection:
        return [
            (table, [repr(tuple(row)) for row in await connection.execute(
                text(f'SELECT * FROM "{table}" ORDER BY id')
            )])
            for table in OKR_TABLES
        ]  # fmt: skip


def with_header(headers: dict[str, str], name: str, value: bytes) -> list[tuple[bytes, bytes]]:
    return [
        (key.encode(), value if key == name else given.encode()) for key, given in headers.items()
    ]


# Signatures and tokens that are not ASCII -----------------------------------------------------


async def test_a_shopify_webhook_signature_that_is_not_ascii_is_401_and_stores_nothing(
    connected: Connected, pg_engine: AsyncEngine
) -> None:
    await install(connected, SHOP)
    headers, body = shopify_delivery(SHOP, "orders/create", payload("shopify_order"))

    answer = await connected.client.post(
        "/webhooks/shopify",
        headers=with_header(headers, "X-Shopify-Hmac-Sha256", NOT_ASCII),
        content=body,
    )

    assert answer.status_code == 401
    assert await count_rows(pg_engine, "webhook_events") == 0


async def test_a_woocommerce_webhook_signature_that_is_not_ascii_is_401_and_stores_nothing(
    connected: Connected, pg_engine: AsyncEngine
) -> None:
    await install(connected, STORE, Platform.WOOCOMMERCE)
    headers, body = woocommerce_delivery(
        STORE, "order.created", payload("woocommerce_order"), secret=WOO_SECRET
    )

    answer = await connected.client.post(
        "/webhooks/woocommerce",
        headers=with_header(headers, "X-WC-Webhook-Signature", NOT_ASCII),
        content=body,
    )

    assert answer.status_code == 401
    assert await count_rows(pg_engine, "webhook_events") == 0


@pytest.mark.parametrize("sent_in", ["header", "form"])
async def test_a_csrf_token_that_is_not_ascii_is_403_and_changes_nothing(
    connected: Connected, pg_engine: AsyncEngine, sent_in: str
) -> None:
    admin = await signed_in(connected, SHOP)
    before = await stored_okrs(pg_engine)

    if sent_in == "header":
        answer = await admin.client.post(
            "/admin/okrs/cycles", data={"year": "2026"}, headers=[(b"X-CSRF-Token", NOT_ASCII)]
        )
    else:
        answer = await admin.client.post(
            "/admin/okrs/cycles", data={"year": "2026", "csrf_token": "é" * 32}
        )

    assert answer.status_code == 403
    assert await stored_okrs(pg_engine) == before


# The install callback --------------------------------------------------------------------------


async def start_install(connected: Connected) -> str:
    started = await connected.client.get("/auth/shopify/install", params={"shop": SHOP})
    assert started.status_code == 303
    return query_param(started.headers["location"], "state")


def signed_query(params: dict[str, str]) -> str:
    """Signed as Shopify signs (these values hold no `%`, `=` or `&` to escape)."""
    message = "&".join(f"{key}={params[key]}" for key in sorted(params))
    signature = hmac.new(API_SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()
    return urlencode({**params, "hmac": signature})


async def assert_nothing_installed(connected: Connected, pg_engine: AsyncEngine) -> None:
    assert await count_rows(pg_engine, "shops") == 0
    assert connected.shopify.token_requests == []
    async with connected.app.state.runtime.transaction() as session:
        [nonce] = (await session.exec(select(AuthNonce))).all()
        assert nonce.used_at is None  # still usable by the real callback


async def test_a_callback_hmac_that_is_not_ascii_is_400_and_installs_nothing(
    connected: Connected, pg_engine: AsyncEngine
) -> None:
    state = await start_install(connected)
    query = signed_callback_query(SHOP, state).split("&hmac=")[0]

    answer = await connected.client.get(f"/auth/shopify/callback?{query}&hmac=%E9")

    assert answer.status_code == 400
    assert "hmac" in answer.json()["error"]["message"]
    await assert_nothing_installed(connected, pg_engine)


@pytest.mark.parametrize("timestamp", ["two_days_old", "missing", "not_a_number"])
async def test_a_callback_without_a_recent_timestamp_is_400_and_installs_nothing(
    connected: Connected, pg_engine: AsyncEngine, timestamp: str
) -> None:
    state = await start_install(connected)
    params = {"code": "auth-code-1", "shop": SHOP, "state": state}
    stamps = {"two_days_old": str(int((utcnow() - timedelta(days=2)).timestamp())),
              "missing": None, "not_a_number": "yesterday"}  # fmt: skip
    if (stamp := stamps[timestamp]) is not None:
        params["timestamp"] = stamp

    answer = await connected.client.get(f"/auth/shopify/callback?{signed_query(params)}")

    assert answer.status_code == 400
    assert "more than a day old" in answer.json()["error"]["message"]
    await assert_nothing_installed(connected, pg_engine)


# Numbers through the API ------------------------------------------------------------------------


class Api:
    def __init__(self, connected: Connected) -> None:
        self.client = connected.client
        self.auth = {"Authorization": f"Bearer {session_token(SHOP)}"}

    async def send(self, method: str, path: str, raw_json: str) -> Any:
        """`raw_json` as typed: NaN, Infinity and huge literals are what a client can send."""
        headers = {**self.auth, "Content-Type": "application/json"}
        return await self.client.request(method, f"/api/v1{path}", headers=headers,
                                         content=raw_json)  # fmt: skip

    async def create(self, path: str, **body: Any) -> dict[str, Any]:
        answer = await self.client.post(f"/api/v1{path}", headers=self.auth, json=body)
        assert answer.status_code == 201, answer.text
        created: dict[str, Any] = answer.json()
        return created


async def an_api(connected: Connected) -> tuple[Api, int, int, int]:
    """The API, with a cycle, an objective and a manual key result in it (their ids)."""
    await install(connected, SHOP)
    client = Api(connected)
    cycle = await client.create("/cycles", year=2026)
    objective = await client.create(
        "/objectives", cycle_id=cycle["id"], title="Grow revenue", kind="increase_revenue"
    )
    kr = await client.create(
        "/key-results", objective_id=objective["id"], title="Pages load fast", source="manual",
        kr_type="decrease_to", start_value="3.4", target="2.0", unit="s",
    )  # fmt: skip
    return client, cycle["id"], objective["id"], kr["id"]


BAD_OBJECTIVE_FIELDS = {
    "weight_nan": ('"weight": NaN', "weight"),
    "weight_infinity": ('"weight": Infinity', "weight"),
    "weight_26_digits": ('"weight": 99999999999999999999999999', "weight"),
    "position_1e23": ('"position": 1e23', "position"),
    "position_24_digits": ('"position": 100000000000000000000000', "position"),
    "position_negative": ('"position": -1', "position"),
    "parent_id_beyond_integer": ('"parent_id": 99999999999', "parent_id"),
}


@pytest.mark.parametrize("case", list(BAD_OBJECTIVE_FIELDS))
async def test_an_objective_number_out_of_bounds_is_422_and_stores_nothing(
    connected: Connected, pg_engine: AsyncEngine, case: str
) -> None:
    client, cycle_id, objective_id, _ = await an_api(connected)
    field, name = BAD_OBJECTIVE_FIELDS[case]
    before = await stored_okrs(pg_engine)

    created = await client.send(
        "POST", "/objectives",
        f'{{"cycle_id": {cycle_id}, "title": "x", "kind": "other", {field}}}',
    )  # fmt: skip
    changed = await client.send("PATCH", f"/objectives/{objective_id}", f"{{{field}}}")

    assert (created.status_code, changed.status_code) == (422, 422)
    assert created.json()["error"]["details"]["errors"][0]["loc"] == ["body", name]
    assert await stored_okrs(pg_engine) == before


async def test_an_objective_in_a_cycle_beyond_integer_is_422(
    connected: Connected, pg_engine: AsyncEngine
) -> None:
    client, *_ = await an_api(connected)
    before = await stored_okrs(pg_engine)

    answer = await client.send(
        "POST", "/objectives", '{"cycle_id": 99999999999, "title": "x", "kind": "other"}'
    )

    assert answer.status_code == 422
    assert await stored_okrs(pg_engine) == before


BAD_KEY_RESULT_FIELDS = {
    "weight_nan": '"weight": NaN',
    "weight_26_digits": '"weight": 99999999999999999999999999',
    "position_1e23": '"position": 1e23',
    "rolling_days_24_digits": '"rolling_days": 100000000000000000000000',
    "target_26_digits": '"target": 99999999999999999999999999',
    "stretch_target_nan": '"stretch_target": "NaN"',
    "window_start_year_1": '"window": "range", "window_start": "0001-01-01"',
}


@pytest.mark.parametrize("case", list(BAD_KEY_RESULT_FIELDS))
async def test_a_key_result_number_out_of_bounds_is_422_and_stores_nothing(
    connected: Connected, pg_engine: AsyncEngine, case: str
) -> None:
    client, _, objective_id, kr_id = await an_api(connected)
    field = BAD_KEY_RESULT_FIELDS[case]
    before = await stored_okrs(pg_engine)

    created = await client.send(
        "POST", "/key-results",
        f'{{"objective_id": {objective_id}, "title": "x", "source": "manual", '
        f'"kr_type": "decrease_to", "start_value": "3", "target": "2", {field}}}',
    )  # fmt: skip
    changed = await client.send("PATCH", f"/key-results/{kr_id}", f"{{{field}}}")

    assert (created.status_code, changed.status_code) == (422, 422)
    assert await stored_okrs(pg_engine) == before


@pytest.mark.parametrize(
    "value", ["NaN", "Infinity", "99999999999999999999999999", '"-1e20"', '"sNaN"']
)
async def test_a_check_in_value_out_of_bounds_is_422_and_stores_nothing(
    connected: Connected, pg_engine: AsyncEngine, value: str
) -> None:
    client, _, _, kr_id = await an_api(connected)
    before = await stored_okrs(pg_engine)

    answer = await client.send("POST", f"/key-results/{kr_id}/check-ins", f'{{"value": {value}}}')

    assert answer.status_code == 422
    assert await stored_okrs(pg_engine) == before


@pytest.mark.parametrize(
    ("start", "end", "refused"),
    [
        ("0001-01-01", "9999-12-31", "start"),
        ("2026-01-01", "9999-12-31", "end"),
        ("2000-01-01", "2100-12-31", "end"),  # within the years, longer than any metric range
    ],
)
async def test_a_cycle_beyond_the_years_or_metric_ranges_is_422_and_stores_nothing(
    connected: Connected, pg_engine: AsyncEngine, start: str, end: str, refused: str
) -> None:
    client, *_ = await an_api(connected)
    before = await stored_okrs(pg_engine)

    answer = await client.send(
        "POST", "/cycles", f'{{"name": "Forever", "start": "{start}", "end": "{end}"}}'
    )

    assert answer.status_code == 422
    assert answer.json()["error"]["details"]["errors"][0]["loc"] == ["body", refused]
    assert await stored_okrs(pg_engine) == before


async def a_cycle_stored_before_cycles_were_bounded(connected: Connected, shop: Shop) -> int:
    async with connected.app.state.runtime.transaction() as session:
        cycle = Cycle(shop_id=shop.id or 0, name="Forever", start=date.min, end=date.max)
        session.add(cycle)
        await session.flush()
        return cycle.id or 0


async def test_templates_for_a_cycle_stored_from_year_1_to_9999_are_refused_saying_why(
    connected: Connected,
) -> None:
    client, *_ = await an_api(connected)
    async with connected.app.state.runtime.transaction() as session:
        shop = (await session.exec(select(Shop))).one()
        yesterday = today_for(shop) - timedelta(days=1)  # history to start from, were it in range
        await with_sales(session, shop.id or 0, yesterday - timedelta(days=60), yesterday)
    cycle_id = await a_cycle_stored_before_cycles_were_bounded(connected, shop)

    answer = await client.client.get(f"/api/v1/templates?cycle_id={cycle_id}", headers=client.auth)

    # A clear refusal naming the limit, not a 5xx from dates beyond what metrics cover.
    assert answer.status_code == 422, answer.text
    assert "at most" in answer.json()["error"]["message"]


# Numbers through the admin's forms --------------------------------------------------------------


async def an_admin(connected: Connected) -> tuple[Admin, int, int]:
    """A signed-in admin with a cycle and an objective (their ids)."""
    admin = await signed_in(connected, SHOP)
    cycle = await admin.post("/admin/okrs/cycles", {"year": "2026"})
    cycle_id = int(query_param(cycle.headers["location"], "cycle"))
    values = {"cycle_id": str(cycle_id), "title": "Grow revenue", "kind": "increase_revenue"}
    objective = await admin.post("/admin/okrs/objectives", values)
    return admin, cycle_id, int(objective.headers["location"].split("#objective-")[1])


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("99999999999999999999999999", "Enter 1000 or less."),
        ("NaN", "Enter a number, for example 1,234.5."),
        ("Infinity", "Enter a number, for example 1,234.5."),
    ],
)
async def test_an_objective_weight_out_of_bounds_in_a_form_is_422_and_changes_nothing(
    connected: Connected, pg_engine: AsyncEngine, typed: str, error: str
) -> None:
    admin, cycle_id, objective_id = await an_admin(connected)
    before = await stored_okrs(pg_engine)
    fields = {"title": "Other", "kind": "other", "level": "company", "weight": typed}

    added = await admin.post("/admin/okrs/objectives", {**fields, "cycle_id": str(cycle_id)})
    changed = await admin.post(f"/admin/okrs/objectives/{objective_id}", fields)

    assert (added.status_code, changed.status_code) == (422, 422)
    assert error_next_to(added.text, "objective-new", "weight") == error
    assert error_next_to(changed.text, f"objective-{objective_id}", "weight") == error
    assert await stored_okrs(pg_engine) == before
    assert (await admin.page(f"/admin/okrs?cycle={cycle_id}")).status_code == 200


@pytest.mark.parametrize(
    ("field", "typed", "error"),
    [
        ("weight", "99999999999999999999999999", "Enter 1000 or less."),
        ("rolling_days", "100000000000000000000000", "Enter 1098 or less."),
        ("target", "99999999999999999999999999", "This number is too large."),  # #22: no bound
    ],
)
async def test_a_key_result_number_out_of_bounds_in_a_form_is_422_and_stores_nothing(
    connected: Connected, pg_engine: AsyncEngine, field: str, typed: str, error: str
) -> None:
    admin, _, objective_id = await an_admin(connected)
    before = await stored_okrs(pg_engine)
    values = {
        "objective_id": str(objective_id), "title": "Pages load fast", "source": "manual",
        "kr_type": "decrease_to", "start_value": "3.4", "target": "2", "window": "rolling",
        "rolling_days": "28", field: typed,
    }  # fmt: skip

    added = await admin.post("/admin/okrs/key-results", values)

    assert added.status_code == 422
    assert error_next_to(added.text, f"kr-new-{objective_id}", field) == error
    assert await stored_okrs(pg_engine) == before


@pytest.mark.parametrize(
    ("start", "end", "field", "error"),
    [
        ("0001-01-01", "9999-12-31", "start", "Enter Jan 1, 2000 or more."),
        ("2000-01-01", "2100-12-31", "end", "a cycle spans at most 1098 days"),
    ],
)
async def test_a_cycle_out_of_bounds_in_a_form_is_422_and_stores_nothing(
    connected: Connected, pg_engine: AsyncEngine, start: str, end: str, field: str, error: str
) -> None:
    admin, *_ = await an_admin(connected)
    before = await stored_okrs(pg_engine)

    added = await admin.post("/admin/okrs/cycles", {"name": "Forever", "start": start, "end": end})

    assert added.status_code == 422
    assert error_next_to(added.text, "cycle-new", field) == error
    assert await stored_okrs(pg_engine) == before


async def test_a_cycle_too_long_is_refused_in_the_pages_language(connected: Connected) -> None:
    admin, *_ = await an_admin(connected)
    await admin.page("/admin/okrs?locale=de")

    added = await admin.post(
        "/admin/okrs/cycles", {"name": "Forever", "start": "2000-01-01", "end": "2100-12-31"}
    )

    assert error_next_to(added.text, "cycle-new", "end") == (
        "ein Zyklus umfasst höchstens 1098 Tage"
    )


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/admin/okrs/objectives", {"cycle_id": "99999999999", "title": "x", "kind": "other"}),
        ("/admin/okrs/key-results", {"objective_id": "99999999999", "title": "x"}),
    ],
)
async def test_a_form_naming_a_row_beyond_integer_is_4xx_and_stores_nothing(
    connected: Connected, pg_engine: AsyncEngine, path: str, fields: dict[str, str]
) -> None:
    admin, *_ = await an_admin(connected)
    before = await stored_okrs(pg_engine)

    answer = await admin.post(path, fields)

    assert 400 <= answer.status_code < 500
    assert await stored_okrs(pg_engine) == before


async def test_metric_help_for_a_cycle_beyond_integer_is_422(connected: Connected) -> None:
    admin, *_ = await an_admin(connected)

    answer = await admin.client.get("/admin/okrs/metric-help?cycle=99999999999&metric_key=aov")

    assert answer.status_code == 422


async def test_the_editor_shows_a_cycle_stored_from_year_1_to_9999(connected: Connected) -> None:
    admin, *_ = await an_admin(connected)
    cycle_id = await a_cycle_stored_before_cycles_were_bounded(connected, admin.shop)

    page = await admin.page(f"/admin/okrs?cycle={cycle_id}")
    help_ = await admin.client.get(f"/admin/okrs/metric-help?cycle={cycle_id}&metric_key=aov")

    assert (page.status_code, help_.status_code) == (200, 200)
    assert "Forever" in page.text


async def test_the_editor_shows_a_weight_stored_before_weights_were_bounded(
    connected: Connected,
) -> None:
    admin, cycle_id, objective_id = await an_admin(connected)
    async with connected.app.state.runtime.transaction() as session:
        objective = await session.get(Objective, objective_id)
        assert objective is not None
        objective.weight = 1e26

    page = await admin.page(f"/admin/okrs?cycle={cycle_id}")

    assert page.status_code == 200
    assert "100000000000000000000000000" in page.text
