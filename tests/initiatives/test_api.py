"""The initiatives API: created as drafts, settings checked against the type, a life of
activate / pause / end with 409s for moves it does not allow, audited, scoped by shop."""

from __future__ import annotations

from sqlmodel import col, select

from app.initiatives.models import EnrollmentStatus, InitiativeAudit
from tests.fixtures.objects import create_okr
from tests.fixtures.platforms import session_token
from tests.initiatives.helpers import Store
from tests.webhooks.helpers import install

OTHER = "someone-else.myshopify.com"
STEPS = {"steps": [{"delay_minutes": 60}, {"delay_minutes": 1440}]}


async def test_an_initiative_is_created_as_a_draft_with_its_types_defaults(store: Store) -> None:
    async with store.runtime.transaction() as session:
        _cycle, _objective, key_result = await create_okr(session, store.shop_id)
    made = await store.api(
        "POST", "", 201, type="abandoned_checkout", name="Carts", settings=STEPS,
        key_result_ids=[key_result.id], holdout_share=0.1, variants=[{"key": "a"}],
    )  # fmt: skip

    assert made["status"] == "draft"
    assert made["settings"] == {
        **STEPS,
        "attribution_days": 7,
        "woocommerce_consent": "required",
        "language": "en",
    }
    assert made["key_result_ids"] == [key_result.id]
    assert (made["holdout_share"], made["variants"]) == (0.1, [{"key": "a", "weight": 1}])
    assert await store.api("GET", f"/{made['id']}") == made
    assert [i["id"] for i in await store.api("GET", "")] == [made["id"]]
    defaults = await store.api("POST", "", 201, type="abandoned_checkout", name="Defaults")
    assert [s["delay_minutes"] for s in defaults["settings"]["steps"]] == [60, 1440, 4320]


async def test_activate_pause_and_end_are_audited(store: Store) -> None:
    made = await store.api("POST", "", 201, type="manual", name="Better photos")
    path = f"/{made['id']}"
    for verb, status in [("activate", "active"), ("pause", "paused"), ("activate", "active")]:
        assert (await store.api("POST", f"{path}/{verb}"))["status"] == status
    assert (await store.api("POST", f"{path}/activate"))["status"] == "active"  # no change
    patched = await store.api("PATCH", path, name="Better product photos")
    assert patched["name"] == "Better product photos"
    assert (await store.api("POST", f"{path}/end"))["status"] == "ended"

    async with store.runtime.transaction() as session:
        rows = (await session.exec(select(InitiativeAudit).order_by(col(InitiativeAudit.id)))).all()
    assert [(r.action, r.actor) for r in rows] == [
        ("created", "api"),
        ("activated", "api"),
        ("paused", "api"),
        ("activated", "api"),
        ("updated", "api"),
        ("ended", "api"),
    ]
    assert rows[4].changes == {"name": ["Better photos", "Better product photos"]}


async def test_a_move_its_life_does_not_allow_is_a_409_with_a_sentence(store: Store) -> None:
    made = await store.api("POST", "", 201, type="win_back", name="Come back")
    path = f"/{made['id']}"

    refused = await store.api("POST", f"{path}/pause", 409)
    assert refused["error"]["message"] == (
        "an initiative that is draft cannot be paused: a draft is activated first, or ended"
    )
    await store.api("POST", f"{path}/end")
    again = await store.api("POST", f"{path}/activate", 409)
    assert "an ended initiative stays ended" in again["error"]["message"]
    changed = await store.api("PATCH", path, 409, name="Later")
    assert "cannot be changed" in changed["error"]["message"]


async def test_settings_are_checked_against_the_type(store: Store) -> None:
    shrinking = {"steps": [{"delay_minutes": 600}, {"delay_minutes": 60}]}
    four = {"steps": [{"delay_minutes": 60 * n} for n in (1, 2, 3, 4)]}
    for settings in (shrinking, four, {"colour": "red"}, {"attribution_days": 0}):
        answer = await store.api(
            "POST", "", 422, type="abandoned_checkout", name="Carts", settings=settings
        )
        assert answer["error"]["details"]["fields"], answer
    await store.api("POST", "", 422, type="survey", name="Survey", settings={"steps": []})
    await store.api("POST", "", 422, type="manual", name="Holdout", holdout_share=0.6)


async def test_another_shops_initiatives_and_key_results_are_out_of_reach(store: Store) -> None:
    other = await install(store.connected, OTHER)
    assert other.id is not None
    async with store.runtime.transaction() as session:
        _cycle, _objective, their_kr = await create_okr(session, other.id)
    response = await store.connected.client.post(
        "/api/v1/initiatives",
        headers={"Authorization": f"Bearer {session_token(OTHER)}"},
        json={"type": "manual", "name": "Theirs"},
    )
    theirs = response.json()["id"]

    for method, path in [
        ("GET", f"/{theirs}"),
        ("PATCH", f"/{theirs}"),
        ("POST", f"/{theirs}/activate"),
        ("POST", f"/{theirs}/end"),
    ]:
        body = {"name": "Mine now"} if method == "PATCH" else {}
        answer = await store.api(method, path, 404, **body)
        assert answer["error"]["message"] == f"no initiative {theirs}"
    refused = await store.api(
        "POST", "", 422, type="manual", name="Mine", key_result_ids=[their_kr.id]
    )
    assert refused["error"]["details"]["fields"]["key_result_ids"] == (
        f"no key result {their_kr.id} in this shop"
    )
    assert await store.api("GET", "") == []


async def test_pausing_cancels_the_pending_steps(store: Store) -> None:
    initiative = await store.recovery()
    await store.abandon()
    [enrollment] = await store.enrollments()
    assert enrollment.status is EnrollmentStatus.ACTIVE

    await store.api("POST", f"/{initiative}/pause")
    await store.sweep()

    [cancelled] = await store.enrollments()
    assert (cancelled.status, cancelled.end_reason) == (
        EnrollmentStatus.CANCELLED,
        "initiative paused",
    )
    assert cancelled.next_due_at is None
    assert store.inbox.messages == []
