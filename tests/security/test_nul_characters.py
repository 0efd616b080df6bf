"""Text holding a NUL character (U+0000) is a 422 that names where it is, and nothing is
stored — the API fuzzer found an initiative's name with one answered 500 (PostgreSQL stores
no U+0000 in text), and so did every other text field, in JSON bodies and query strings."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fixtures.platforms import session_token
from tests.fixtures.stores import Connected
from tests.shops.helpers import count_rows
from tests.webhooks.helpers import install

SHOP = "nul.myshopify.com"


async def test_a_nul_in_a_json_text_field_is_a_422_naming_it_and_stores_nothing(
    connected: Connected, pg_engine: AsyncEngine
) -> None:
    await install(connected, SHOP)
    headers = {
        "Authorization": f"Bearer {session_token(SHOP)}",
        "Content-Type": "application/json",
    }

    answer = await connected.client.post(
        "/api/v1/initiatives", headers=headers, content=b'{"type": "manual", "name": "a\\u0000b"}'
    )

    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid"
    assert "body.name holds a NUL character" in error["message"]
    assert error["details"]["loc"] == ["body", "name"]
    assert await count_rows(pg_engine, "initiatives") == 0


async def test_a_nul_deep_in_a_body_or_in_a_query_is_a_422(connected: Connected) -> None:
    await install(connected, SHOP)
    auth = {"Authorization": f"Bearer {session_token(SHOP)}"}
    body = {"type": "manual", "name": "ok", "settings": {"steps": [{"note": "x\x00"}]}}

    deep = await connected.client.post("/api/v1/initiatives", headers=auth, json=body)
    query = await connected.client.get("/api/v1/webhook-events?status=failed%00", headers=auth)

    assert deep.status_code == 422
    assert deep.json()["error"]["details"]["loc"] == ["body", "settings", "steps", "0", "note"]
    assert query.status_code == 422
    assert query.json()["error"]["details"]["loc"] == ["query", "status"]


async def test_text_that_only_looks_like_an_escaped_nul_is_taken(connected: Connected) -> None:
    await install(connected, SHOP)
    auth = {"Authorization": f"Bearer {session_token(SHOP)}"}

    # The JSON text "a\\u0000b" is the seven characters a, \, u, 0, 0, 0, 0 and b: no NUL.
    answer = await connected.client.post(
        "/api/v1/initiatives",
        headers={**auth, "Content-Type": "application/json"},
        content=b'{"type": "manual", "name": "a\\\\u0000b"}',
    )

    assert answer.status_code == 201, answer.text
    assert answer.json()["name"] == "a\\u0000b"
