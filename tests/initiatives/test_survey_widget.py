"""The storefront survey widget: the script we serve, and its calls from the shop's own page —
an answer from an allowed origin is recorded, another origin is refused (CORS and the server's
own check), a malformed answer is a 422 that records nothing, a flood from one address is a
429. Real PostgreSQL and the app; orders from real webhooks."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.initiatives.models import EnrollmentStatus, Initiative
from app.initiatives.surveys import links
from app.initiatives.surveys.widget import snippets
from app.shops.models import Shop
from tests.fixtures.database import empty_all_tables
from tests.fixtures.mail import Inbox
from tests.initiatives.helpers import Store, open_store
from tests.initiatives.surveys_helpers import invitations, order, responses, survey, sweep

SHOP_ORIGIN = "https://recovery.myshopify.com"


def reference(store: Store, survey_id: int, order_id: str) -> str:
    return links.order_reference(store.runtime.settings, store.shop_id, survey_id, order_id)


async def call(
    store: Store, method: str, path: str, origin: str = SHOP_ORIGIN, **kwargs: Any
) -> Any:
    headers = {"Origin": origin, **kwargs.pop("headers", {})}
    return await store.connected.client.request(method, path, headers=headers, **kwargs)


async def returning(store: Store, **settings: Any) -> tuple[int, str]:
    """A survey switched on, and Lena's second order: the survey and the order's reference."""
    survey_id = await survey(store, **settings)
    await order(store, days_ago=30)
    order_id = await order(store, days_ago=0.001)
    return survey_id, reference(store, survey_id, order_id)


async def test_the_script_is_small_and_framework_free(store: Store) -> None:
    script = await store.connected.client.get("/w/survey.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert len(script.content) < 5000
    assert b"import " not in script.content
    assert b"document.cookie" not in script.content
    assert b"localStorage" not in script.content


async def test_an_answer_from_the_shops_own_page_is_recorded(store: Store) -> None:
    survey_id, ref = await returning(store, widget_hosts=["shop.example.com"])
    asked = await call(store, "GET", f"/w/{survey_id}/questions", params={"order": ref})
    assert asked.status_code == 200
    assert asked.headers["access-control-allow-origin"] == SHOP_ORIGIN
    shown = asked.json()
    assert [q["kind"] for q in shown["questions"]] == ["nps", "text"]
    assert shown["questions"][0]["scale"] == list(range(11))

    preflight = await call(
        store, "OPTIONS", f"/w/{survey_id}/answers", origin="https://shop.example.com",
        headers={"Access-Control-Request-Method": "POST"},
    )  # fmt: skip
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "https://shop.example.com"

    body = {"order": ref, "answers": {"recommend": 8}}
    answered = await call(store, "POST", f"/w/{survey_id}/answers", json=body)
    assert answered.status_code == 204
    body = {"order": ref, "answers": {"recommend": 10, "why": "Quick delivery"}}
    again = await call(store, "POST", f"/w/{survey_id}/answers", json=body)
    assert again.status_code == 204
    [response] = await responses(store)
    assert (response.channel, response.nps, response.comments) == (
        "widget", 10, {"why": "Quick delivery"},
    )  # fmt: skip
    assert response.customer_key == "id:7523148894362"
    after = await call(store, "GET", f"/w/{survey_id}/questions", params={"order": ref})
    assert after.status_code == 204  # answered: nothing more to ask


async def test_another_origin_is_refused_by_cors_and_by_the_server(store: Store) -> None:
    survey_id, ref = await returning(store)
    evil = "https://evil.example"
    preflight = await call(store, "OPTIONS", f"/w/{survey_id}/answers", origin=evil)
    assert preflight.status_code == 403
    assert "access-control-allow-origin" not in preflight.headers
    body = {"order": ref, "answers": {"recommend": 0}}
    for origin in (evil, ""):  # a script elsewhere, or a client that sends no origin
        refused = await call(store, "POST", f"/w/{survey_id}/answers", origin=origin, json=body)
        assert refused.status_code == 403
        assert "access-control-allow-origin" not in refused.headers
    assert await responses(store) == []


async def test_malformed_answers_get_422_and_change_nothing(store: Store) -> None:
    survey_id, ref = await returning(store)
    path = f"/w/{survey_id}/answers"
    bad: list[dict[str, Any]] = [
        {"content": b"not json", "headers": {"Content-Type": "application/json"}},
        {"json": {"order": ref}},
        {"json": {"order": ref, "answers": {"recommend": 11}}},
        {"json": {"order": ref, "answers": {"recommend": "9"}}},
        {"json": {"order": ref, "answers": {"nothing": 1}}},
        {"json": {"order": ref, "answers": {"why": "x" * 2001}}},
    ]
    for request in bad:
        answered = await call(store, "POST", path, **request)
        assert answered.status_code == 422, (request, answered.text)
    forged = ref[:-4] + "0000"
    body = {"order": forged, "answers": {"recommend": 9}}
    assert (await call(store, "POST", path, json=body)).status_code == 403
    assert await responses(store) == []


async def test_a_first_order_is_asked_nothing(store: Store) -> None:
    survey_id = await survey(store)
    order_id = await order(store, days_ago=0.001)
    ref = reference(store, survey_id, order_id)
    asked = await call(store, "GET", f"/w/{survey_id}/questions", params={"order": ref})
    assert asked.status_code == 204
    body = {"order": ref, "answers": {"recommend": 9}}
    assert (await call(store, "POST", f"/w/{survey_id}/answers", json=body)).status_code == 204
    assert await responses(store) == []


@pytest.fixture
async def strict_store(
    pg_engine: AsyncEngine, smtp_server: tuple[Inbox, int]
) -> AsyncIterator[Store]:
    """The test store with a public budget of five requests a minute per address."""
    inbox, port = smtp_server
    await empty_all_tables(pg_engine)
    async for made in open_store(port, inbox, public_rate_limit_per_minute=5):
        yield made
    await empty_all_tables(pg_engine)


async def test_a_flood_from_one_address_gets_429(strict_store: Store) -> None:
    survey_id, ref = await returning(strict_store)
    body = {"order": ref, "answers": {"recommend": 9}}
    codes = [
        (await call(strict_store, "POST", f"/w/{survey_id}/answers", json=body)).status_code
        for _ in range(7)
    ]
    assert codes[:5] == [204] * 5
    assert codes[5:] == [429, 429]
    [response] = await responses(strict_store)
    assert response.nps == 9


async def test_the_snippets_sign_the_order_as_the_server_checks_it(store: Store) -> None:
    survey_id = await survey(store)
    async with store.runtime.transaction() as session:
        initiative = await session.get(Initiative, survey_id)
        shop = await session.get(Shop, store.shop_id)
        assert initiative is not None
        assert shop is not None
        made = snippets(store.runtime.settings, initiative, shop)
    key = links.widget_key(store.runtime.settings, store.shop_id, survey_id)
    assert f"hmac_sha256: '{key}'" in made["shopify"]
    assert f"hash_hmac('sha256', (string) $order_id, '{key}')" in made["woocommerce"]
    # What Liquid's hmac_sha256 and PHP's hash_hmac compute: hex HMAC-SHA256, the key as text.
    signed = hmac.new(key.encode(), b"6183041875098", hashlib.sha256).hexdigest()
    order_id = links.read_order_reference(
        store.runtime.settings, store.shop_id, survey_id, f"6183041875098.{signed}"
    )
    assert order_id == "6183041875098"
    assert (
        links.read_order_reference(
            store.runtime.settings, store.shop_id, survey_id + 1, f"6183041875098.{signed}"
        )
        is None
    )  # another survey's key


async def test_an_order_answered_in_the_widget_gets_no_survey_email(store: Store) -> None:
    survey_id, ref = await returning(store, days_after=0)
    body = {"order": ref, "answers": {"recommend": 10}}
    assert (await call(store, "POST", f"/w/{survey_id}/answers", json=body)).status_code == 204
    await sweep(store)
    assert store.inbox.messages == []
    [invitation] = await invitations(store)
    assert (invitation.status, invitation.end_reason) == (EnrollmentStatus.FINISHED, "answered")
