"""The OKR editor's forms, posted as a browser posts them: what they store is what the API
shows, a refused form changes nothing and says why next to the field."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.admin.editor_client import Admin, error_next_to, signed_in
from tests.fixtures.stores import Connected

SHOP = "editor.myshopify.com"


async def a_cycle(admin: Admin, year: int = 2026) -> int:
    created = await admin.post("/admin/okrs/cycles", {"year": str(year)})
    assert created.status_code == 303
    return int(parse_qs(urlsplit(created.headers["location"]).query)["cycle"][0])


async def an_objective(admin: Admin, cycle_id: int, title: str, **fields: str) -> int:
    values = {"cycle_id": str(cycle_id), "title": title, "kind": "increase_revenue", **fields}
    created = await admin.post("/admin/okrs/objectives", values)
    assert created.status_code == 303, created.text
    return int(created.headers["location"].split("#objective-")[1])


def metric_kr(objective_id: int, **fields: str) -> dict[str, str]:
    return {
        "objective_id": str(objective_id), "title": "Grow net sales", "source": "metric",
        "metric_key": "net_sales", "kr_type": "increase_to", "start_value": "1000",
        "target": "1500", "window": "cycle", "weight": "1", **fields,
    }  # fmt: skip


async def api(client: httpx.AsyncClient, path: str) -> list[dict[str, object]]:
    answer = await client.get(path)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert isinstance(body, list)
    return body


async def test_an_objective_and_metric_key_result_made_in_forms_are_in_the_api(
    connected: Connected,
) -> None:
    admin = await signed_in(connected, SHOP)
    cycle_id = await a_cycle(admin)
    objective_id = await an_objective(
        admin, cycle_id, "Grow revenue", level="team", owner_name="Lena", weight="2"
    )
    added = await admin.post("/admin/okrs/key-results", metric_kr(objective_id))

    assert added.status_code == 303
    [objective] = await api(admin.client, f"/api/v1/objectives?cycle_id={cycle_id}")
    assert (objective["title"], objective["level"], objective["owner_name"]) == (
        "Grow revenue", "team", "Lena",
    )  # fmt: skip
    assert objective["weight"] == 2
    [kr] = await api(admin.client, f"/api/v1/key-results?objective_id={objective_id}")
    assert (kr["metric_key"], kr["kr_type"], kr["start_value"], kr["target"]) == (
        "net_sales", "increase_to", "1000", "1500",
    )  # fmt: skip
    page = await admin.page(f"/admin/okrs?cycle={cycle_id}")
    assert "Grow net sales" in page.text
    assert "€1,500.00" in page.text


async def test_a_target_equal_to_the_start_is_refused_next_to_the_target(
    connected: Connected,
) -> None:
    admin = await signed_in(connected, SHOP)
    cycle_id = await a_cycle(admin)
    objective_id = await an_objective(admin, cycle_id, "Grow revenue")

    refused = await admin.post(
        "/admin/okrs/key-results", metric_kr(objective_id, start_value="900", target="900")
    )

    assert refused.status_code == 422
    error = error_next_to(refused.text, f"kr-new-{objective_id}", "target")
    assert (
        error == "the target is the start value itself: set it above the start for an increase, "
        "below it for a decrease"
    )
    assert 'value="900"' in refused.text  # what was typed is still there
    assert await api(admin.client, f"/api/v1/key-results?objective_id={objective_id}") == []


async def test_a_refused_change_leaves_the_objective_as_it_was(connected: Connected) -> None:
    admin = await signed_in(connected, SHOP)
    cycle_id = await a_cycle(admin)
    objective_id = await an_objective(admin, cycle_id, "Grow revenue")

    refused = await admin.post(
        f"/admin/okrs/objectives/{objective_id}",
        {"title": "Renamed", "kind": "other", "level": "company", "weight": "-1"},
    )

    assert refused.status_code == 422
    assert error_next_to(refused.text, f"objective-{objective_id}", "weight") == (
        "a weight is positive"
    )
    [objective] = await api(admin.client, f"/api/v1/objectives?cycle_id={cycle_id}")
    assert (objective["title"], objective["weight"]) == ("Grow revenue", 1)


async def test_a_field_the_model_refuses_is_named_next_to_it(connected: Connected) -> None:
    admin = await signed_in(connected, SHOP)
    cycle_id = await a_cycle(admin)
    objective_id = await an_objective(admin, cycle_id, "Grow revenue")

    refused = await admin.post("/admin/okrs/key-results", metric_kr(objective_id, target="lots"))

    assert refused.status_code == 422
    assert error_next_to(refused.text, f"kr-new-{objective_id}", "target") == (
        "Enter a number, for example 1,234.5."
    )


async def test_objectives_move_up_and_down(connected: Connected) -> None:
    admin = await signed_in(connected, SHOP)
    cycle_id = await a_cycle(admin)
    first = await an_objective(admin, cycle_id, "First")
    second = await an_objective(admin, cycle_id, "Second")
    third = await an_objective(admin, cycle_id, "Third")

    moved = await admin.post(f"/admin/okrs/objectives/{third}/move", {"direction": "up"})
    await admin.post(f"/admin/okrs/objectives/{first}/move", {"direction": "up"})  # at the top

    assert moved.status_code == 303
    listed = await api(admin.client, f"/api/v1/objectives?cycle_id={cycle_id}")
    assert [o["id"] for o in listed] == [first, third, second]


async def test_a_sixth_company_objective_is_kept_with_a_warning(connected: Connected) -> None:
    admin = await signed_in(connected, SHOP)
    cycle_id = await a_cycle(admin)
    for n in range(5):
        await an_objective(admin, cycle_id, f"Objective {n}")
    assert 'data-testid="warning"' not in (await admin.page("/admin/okrs")).text

    await an_objective(admin, cycle_id, "One too many")

    page = await admin.page("/admin/okrs")
    assert re.search(r'data-testid="warning">6 company objectives', page.text)


async def test_closing_a_cycle_keeps_each_retrospective(connected: Connected) -> None:
    admin = await signed_in(connected, SHOP)
    cycle_id = await a_cycle(admin)
    objective_id = await an_objective(admin, cycle_id, "Grow revenue")

    closed = await admin.post(
        f"/admin/okrs/cycles/{cycle_id}/close",
        {f"retrospective-{objective_id}": "Bundles worked; upsells did not."},
    )

    assert closed.status_code == 303
    cycle = (await admin.client.get(f"/api/v1/cycles/{cycle_id}")).json()
    assert cycle["status"] == "closed"
    [objective] = await api(admin.client, f"/api/v1/objectives?cycle_id={cycle_id}")
    assert objective["retrospective"] == "Bundles worked; upsells did not."
    page = await admin.page(f"/admin/okrs?cycle={cycle_id}")
    assert "/admin/okrs/objectives" not in page.text  # a closed cycle has no forms


async def test_the_metric_picker_explains_the_metric(connected: Connected) -> None:
    admin = await signed_in(connected, SHOP)
    cycle_id = await a_cycle(admin)

    helped = await admin.client.get(
        f"/admin/okrs/metric-help?cycle={cycle_id}&metric_key=checkout_conversion_rate"
    )

    assert helped.status_code == 200
    assert "Checkout conversion" in helped.text
    assert 'data-testid="metric-start"' in helped.text


async def test_forms_need_the_csrf_token_and_another_shops_objects_are_not_found(
    connected: Connected,
) -> None:
    admin = await signed_in(connected, SHOP)
    cycle_id = await a_cycle(admin)
    objective_id = await an_objective(admin, cycle_id, "Grow revenue")

    forged = await admin.client.post(
        "/admin/okrs/objectives",
        data={"cycle_id": str(cycle_id), "title": "Forged", "kind": "other"},
    )
    other = await signed_in(connected, "other.myshopify.com")
    foreign = await other.post(f"/admin/okrs/objectives/{objective_id}/delete")

    assert forged.status_code == 403
    assert foreign.status_code == 404
    other_cycle = await a_cycle(other)
    assert other_cycle != cycle_id
    back = await signed_in(connected, SHOP)
    listed = await api(back.client, f"/api/v1/objectives?cycle_id={cycle_id}")
    assert [o["title"] for o in listed] == ["Grow revenue"]


async def test_numbers_are_read_as_the_pages_language_writes_them(connected: Connected) -> None:
    admin = await signed_in(connected, SHOP)
    cycle_id = await a_cycle(admin)
    objective_id = await an_objective(admin, cycle_id, "Grow revenue")
    await admin.page("/admin/okrs?locale=de")  # the choice is kept for the next requests

    added = await admin.post(
        "/admin/okrs/key-results", metric_kr(objective_id, start_value="1.000", target="1.500,5")
    )
    refused = await admin.post(
        "/admin/okrs/key-results", metric_kr(objective_id, title="Other", target="1.5")
    )

    assert added.status_code == 303
    [kr] = await api(admin.client, f"/api/v1/key-results?objective_id={objective_id}")
    assert (kr["start_value"], kr["target"]) == ("1000", "1500.5")
    assert refused.status_code == 422
    error = error_next_to(refused.text, f"kr-new-{objective_id}", "target")
    assert (error or "").endswith(" 1.234,5.")  # the example is written the German way
    page = await admin.page(f"/admin/okrs?cycle={cycle_id}")
    assert 'value="1500,5"' in page.text  # shown for changing as it would be typed


async def test_the_domains_errors_are_shown_in_the_pages_language(connected: Connected) -> None:
    admin = await signed_in(connected, SHOP)
    cycle_id = await a_cycle(admin)
    objective_id = await an_objective(admin, cycle_id, "Grow revenue")
    await admin.page("/admin/okrs?locale=de")

    refused = await admin.post(
        "/admin/okrs/key-results", metric_kr(objective_id, start_value="900", target="900")
    )
    api_refusal = await admin.client.post(
        "/api/v1/key-results",
        json={
            **metric_kr(objective_id, start_value="900", target="900"),
            "objective_id": objective_id,
        },
        headers={"X-CSRF-Token": admin.csrf_token},
    )

    assert error_next_to(refused.text, f"kr-new-{objective_id}", "target") == (
        "der Zielwert ist der Startwert selbst: Legen Sie ihn für eine Steigerung darüber, "
        "für eine Senkung darunter fest"
    )
    # The API speaks English, whatever language the admin was in.
    assert api_refusal.json()["error"]["details"]["fields"]["target"] == (
        "the target is the start value itself: set it above the start for an increase, "
        "below it for a decrease"
    )


async def test_numbers_that_are_digits_only_to_python_are_refused_not_a_crash(
    connected: Connected,
) -> None:
    admin = await signed_in(connected, SHOP)
    cycle_id = await a_cycle(admin)
    objective_id = await an_objective(admin, cycle_id, "Grow revenue")

    closed = await admin.post(
        f"/admin/okrs/cycles/{cycle_id}/close", {"retrospective-²": "superscript two"}
    )
    added = await admin.post(
        "/admin/okrs/key-results", {**metric_kr(objective_id), "objective_id": "²"}
    )

    assert closed.status_code == 303  # a field that names no objective is not a retrospective
    assert added.status_code == 404


async def test_a_change_to_a_cycle_closed_meanwhile_says_so_on_the_page(
    connected: Connected,
) -> None:
    admin = await signed_in(connected, SHOP)
    cycle_id = await a_cycle(admin)
    objective_id = await an_objective(admin, cycle_id, "Grow revenue")
    await admin.post(f"/admin/okrs/cycles/{cycle_id}/close")  # from another tab, say

    moved = await admin.post(f"/admin/okrs/objectives/{objective_id}/move", {"direction": "up"})
    deleted = await admin.post(f"/admin/okrs/objectives/{objective_id}/delete")

    for answer in (moved, deleted):
        assert answer.status_code == 409
        assert answer.headers["content-type"].startswith("text/html")
        assert "cycle “2026” is closed: its scores are final" in answer.text
    assert len(await api(admin.client, f"/api/v1/objectives?cycle_id={cycle_id}")) == 1
