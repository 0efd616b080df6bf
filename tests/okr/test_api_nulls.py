"""A change that sends `null` for something a row cannot be without (a key result's window,
an objective's title) is a 422 naming the field, and changes nothing — the API fuzzer found
it answered 500 (the database refused the null at the commit). Where `null` means "none"
(an owner's e-mail, a parent objective) it still clears."""

from __future__ import annotations

from tests.fixtures.stores import Connected
from tests.okr.test_api import api, objective


async def test_null_for_a_key_results_required_field_is_a_422_and_changes_nothing(
    connected: Connected,
) -> None:
    client = await api(connected)
    cycle = await client.post("/cycles", year=2026)
    goal = await objective(client, cycle["id"])
    kr = await client.post(
        "/key-results", objective_id=goal["id"], title="Page speed", source="manual",
        kr_type="decrease_to", start_value="4", target="2", unit="s",
    )  # fmt: skip

    for field in ("window", "title", "kr_type", "weight", "unit", "done", "position"):
        error = await client.call("PATCH", f"/key-results/{kr['id']}", 422, **{field: None})
        assert f"{field} cannot be null" in str(error["error"]), error

    kept = await client.get(f"/key-results/{kr['id']}")
    assert {k: v for k, v in kept.items() if k != "status"} == {
        k: v for k, v in kr.items() if k != "status"
    }
    cleared = await client.call("PATCH", f"/key-results/{kr['id']}", 200, owner_email=None)
    assert cleared["owner_email"] is None


async def test_null_for_an_objectives_title_is_a_422_and_a_null_parent_clears_it(
    connected: Connected,
) -> None:
    client = await api(connected)
    cycle = await client.post("/cycles", year=2026)
    company = await objective(client, cycle["id"], title="Company")
    team = await objective(client, cycle["id"], title="Team", parent_id=company["id"])

    for field in ("title", "description", "kind", "level", "team"):
        error = await client.call("PATCH", f"/objectives/{team['id']}", 422, **{field: None})
        assert f"{field} cannot be null" in str(error["error"]), error

    assert (await client.get(f"/objectives/{team['id']}"))["title"] == "Team"
    moved = await client.call("PATCH", f"/objectives/{team['id']}", 200, parent_id=None)
    assert moved["parent_id"] is None
