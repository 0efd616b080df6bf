"""A new cycle in the editor (#22): a name with its days makes that cycle even though the form
suggests a year; a named cycle missing a day says which."""

from __future__ import annotations

from tests.admin.editor_client import error_next_to, signed_in
from tests.admin.test_editor import api
from tests.fixtures.stores import Connected

SHOP = "editor-cycles.myshopify.com"


async def test_a_name_and_days_make_a_named_cycle_despite_the_suggested_year(
    connected: Connected,
) -> None:
    admin = await signed_in(connected, SHOP)

    created = await admin.post(
        "/admin/okrs/cycles",
        {"year": "2027", "name": "Spring push", "start": "2027-03-01", "end": "2027-05-31"},
    )

    assert created.status_code == 303
    cycles = await api(admin.client, "/api/v1/cycles")
    assert [(c["name"], c["start"], c["end"]) for c in cycles] == [
        ("Spring push", "2027-03-01", "2027-05-31")
    ]


async def test_a_named_cycle_without_its_last_day_says_so_and_makes_nothing(
    connected: Connected,
) -> None:
    admin = await signed_in(connected, SHOP)

    refused = await admin.post(
        "/admin/okrs/cycles", {"year": "2027", "name": "Spring push", "start": "2027-03-01"}
    )

    assert refused.status_code == 422
    assert error_next_to(refused.text, "cycle-new", "end") == "Fill in this field."
    assert await api(admin.client, "/api/v1/cycles") == []
