"""Experiments where customers become eligible: recovery (a checkout enrolled), win-back (a
lapsed customer found) and surveys (an order invited). A holdout member is recorded and
receives nothing; a variant's subject, opening paragraph, timing and discount apply. Real
webhooks, real SMTP, real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from itertools import count
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from app.db import utcnow
from app.initiatives.experiments.assignment import group_at, position
from app.initiatives.experiments.models import ExperimentAssignment
from app.initiatives.models import EnrollmentStatus, Initiative, WinBackEnrollment
from app.initiatives.schemas import Variant
from app.initiatives.surveys.models import SurveyInvitation
from tests.initiatives.helpers import Store
from tests.initiatives.surveys_helpers import order, subject, survey, sweep
from tests.initiatives.test_recovery import parts
from tests.initiatives.test_win_back import customer, initiative, rows, run_day, send

SHORT = {
    "key": "short",
    "subject": "Still thinking it over?",
    "content": "Your cart is saved for you.",
    "delay_minutes": 30,
}


async def _recovery(store: Store, **experiment: Any) -> int:
    made = await store.api(
        "POST", "", 201, type="abandoned_checkout", name="Recover carts", **experiment
    )
    await store.api("POST", f"/{made['id']}/activate")
    async with store.runtime.transaction() as session:
        await session.exec(
            update(Initiative)
            .where(col(Initiative.id) == made["id"])
            .values(activated_at=utcnow() - timedelta(days=1))
        )
    return int(made["id"])


async def _assignments(store: Store) -> dict[str, str]:
    async with store.runtime.transaction() as session:
        found = await session.exec(
            select(ExperimentAssignment.customer_key, ExperimentAssignment.group)
        )
        return dict(found.all())


async def test_a_recovery_variant_sends_its_own_subject_words_and_timing(store: Store) -> None:
    await _recovery(store, variants=[SHORT])
    token = await store.abandon()

    [enrollment] = await store.enrollments(token)
    assert enrollment.next_due_at == enrollment.abandoned_at + timedelta(minutes=30)
    assert list((await _assignments(store)).values()) == ["short"]
    await store.sweep()
    [message] = store.inbox.messages
    assert message["Subject"] == "Still thinking it over?"
    for body in parts(message):
        assert "Your cart is saved for you." in body


async def test_a_held_out_checkout_is_recorded_and_gets_nothing(store: Store) -> None:
    await _recovery(store, holdout_share=0.5)
    # Customers arrive until one is held out: each is, with probability ½ (thirty in a row
    # that are not has a chance of one in a billion).
    for attempt in range(30):
        token = await store.abandon(email=f"shopper{attempt}@example.com")
        [enrollment] = await store.enrollments(token)
        if enrollment.status is EnrollmentStatus.STOPPED:
            break
    assert (enrollment.end_reason, enrollment.next_due_at) == ("holdout", None)
    groups = await _assignments(store)
    assert list(groups.values()).count("holdout") == 1
    assert set(groups.values()) <= {"holdout", "treated"}

    await store.sweep()
    await store.sweep()  # a lost subscriber's sweep enrolls no one again
    assert len(store.inbox.messages) == len(groups) - 1  # everyone but the held out
    assert len(await store.enrollments()) == len(groups)


def _customers_in(initiative_id: int, wanted: str, variants: list[Variant]) -> Iterator[str]:
    """Platform ids of customers whose key (`id:<platform id>`) the draw puts in `wanted`."""
    for n in count(7_000_000):
        if group_at(position(initiative_id, f"id:{n}"), 0.5, variants) == wanted:
            yield str(n)


async def test_win_back_holds_out_and_a_variant_gives_its_own_discount(store: Store) -> None:
    deep = {"key": "deep", "discount_value": "25", "subject": "25 % off, just for you"}
    initiative_id = await initiative(store, store.shop_id)
    await store.api("PATCH", f"/{initiative_id}", variants=[deep], holdout_share=0.5)
    variants = [Variant.model_validate(deep)]
    held = next(_customers_in(initiative_id, "holdout", variants))
    treated = next(_customers_in(initiative_id, "deep", variants))
    await customer(store, store.shop_id, days=90, platform_id=held, email="held@example.com")
    await customer(store, store.shop_id, days=90, platform_id=treated)

    for enrollment_id in await run_day(store, initiative_id):
        await send(store, enrollment_id)

    [message] = store.inbox.messages
    assert message["Subject"] == "25 % off, just for you"
    [made] = store.connected.shopify.shop("recovery.myshopify.com").discounts
    assert made["customerGets"]["value"] == {"percentage": 0.25}
    by_key = {e.customer_key: e for e in await rows(store, WinBackEnrollment)}
    assert by_key[f"id:{held}"].end_reason == "holdout"
    assert await _assignments(store) == {f"id:{held}": "holdout", f"id:{treated}": "deep"}
    # The next day's run finds neither again: the held-out customer's lapse is recorded.
    assert await run_day(store, initiative_id, utcnow() + timedelta(days=1)) == []


async def test_a_survey_holds_out_its_share_and_invites_the_rest(store: Store) -> None:
    survey_id = await survey(store, days_after=0)
    await store.api("PATCH", f"/{survey_id}", holdout_share=0.5)
    held = int(next(_customers_in(survey_id, "holdout", [])))
    asked = int(next(_customers_in(survey_id, "treated", [])))
    for customer_id in (held, asked):
        email = f"c{customer_id}@example.com"
        await order(store, days_ago=30, customer_id=customer_id, email=email)
        await order(store, days_ago=0.1, customer_id=customer_id, email=email)

    await sweep(store)

    [message] = store.inbox.messages
    assert message["To"] == f"c{asked}@example.com"
    assert subject(store).endswith("a quick question about your order")
    invited = {i.customer_key: i for i in await rows(store, SurveyInvitation)}
    assert invited[f"id:{held}"].end_reason == "holdout"
    assert await _assignments(store) == {f"id:{held}": "holdout", f"id:{asked}": "treated"}


async def test_a_variant_must_fit_the_initiative(store: Store) -> None:
    answer = await store.api(
        "POST", "", 422, type="abandoned_checkout", name="Recover", variants=[{"key": "a",
        "discount_value": "10"}],
    )  # fmt: skip
    assert "only a win-back" in answer["error"]["message"]
    for variants in ([{"key": "a"}, {"key": "a"}], [{"key": "holdout"}], [{"key": "x"}] * 4):
        await store.api("POST", "", 422, type="manual", name="M", variants=variants)
    await store.api(
        "POST", "", 422, type="win_back", name="W", variants=[{"key": "a", "discount_value": "120"}]
    )
