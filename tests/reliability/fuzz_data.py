"""A connected shop with one of each thing the API names by id, so that fuzzed requests meet
real rows as well as missing ones."""

from __future__ import annotations

from typing import Any

from app.db import utcnow
from tests.fixtures.platforms import session_token
from tests.fixtures.stores import Connected
from tests.webhooks.helpers import install

SHOP = "fuzz.myshopify.com"


async def seed_shop(connected: Connected) -> dict[str, int]:
    """The shop installed, and the ids of its rows by the path parameter that names them."""
    await install(connected, SHOP)

    async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {session_token(SHOP)}"}
        answer = await connected.client.post(f"/api/v1{path}", headers=headers, json=body)
        assert answer.status_code == 201, answer.text
        made: dict[str, Any] = answer.json()
        return made

    cycle = await post("/cycles", {"year": utcnow().year})
    goal = await post(
        "/objectives",
        {"cycle_id": cycle["id"], "title": "Grow revenue", "kind": "increase_revenue"},
    )
    result = await post(
        "/key-results",
        {
            "objective_id": goal["id"],
            "title": "Packing minutes per order",
            "source": "manual",
            "kr_type": "decrease_to",
            "start_value": "12",
            "target": "8",
            "unit": "min",
        },
    )
    initiative = await post(
        "/initiatives",
        {"type": "abandoned_checkout", "name": "Recover abandoned carts", "settings": {}},
    )
    return {
        "cycle_id": cycle["id"],
        "objective_id": goal["id"],
        "key_result_id": result["id"],
        "initiative_id": initiative["id"],
        "survey_id": initiative["id"],
    }
