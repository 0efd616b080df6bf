"""A survey sent on demand to a segment of returning customers: exactly the customers with two
or more counted orders whose last one is recent enough are invited, once, about that order, due
at once; a second request invites no one; an unsubscribed customer is skipped at send time; a
paused survey and bad input are refused and record nothing. Orders come from real webhooks,
e-mails from the real SMTP server."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from app.commerce.models import Order
from app.db import utcnow
from app.initiatives.models import EnrollmentStatus
from app.integrations.events import OrderState
from app.integrations.platforms import Platform
from app.messaging import lists
from app.messaging.addresses import address_digest
from app.messaging.models import MarketingSend, SendStatus
from app.shops.models import Shop
from tests.fixtures.app import finish_jobs
from tests.initiatives.helpers import Store
from tests.initiatives.surveys_helpers import LENA, LENA_ID, invitations, order, rows, survey, sweep

OTTO, TESS, CARL, OLGA, MIA = 4242, 4343, 4444, 4545, 4646


async def customers(store: Store) -> dict[str, str]:
    """Six customers' orders; customer key → the order a segment of the last 90 days asks
    about (those the segment must leave out map to "")."""
    await order(store, days_ago=30)
    lena = await order(store, days_ago=3)  # returning: in
    await order(store, days_ago=5, customer_id=OTTO, email="otto@example.com")  # first-timer
    await order(store, days_ago=40, customer_id=TESS, email="tess@example.com")
    await order(store, days_ago=2, customer_id=TESS, email="tess@example.com", test=True)
    await order(store, days_ago=50, customer_id=CARL, email="carl@example.com")
    cancelled = (utcnow() - timedelta(hours=1)).replace(microsecond=0).isoformat()
    await order(
        store, days_ago=1, customer_id=CARL, email="carl@example.com", cancelled_at=cancelled
    )
    await order(store, days_ago=200, customer_id=OLGA, email="olga@example.com")
    await order(store, days_ago=120, customer_id=OLGA, email="olga@example.com")  # too long ago
    for days_ago in (60, 30):
        await order(store, days_ago=days_ago, customer_id=MIA, email="mia@example.com")
    mia = await order(store, days_ago=10, customer_id=MIA, email="mia@example.com")
    return {f"id:{LENA_ID}": lena, f"id:{MIA}": mia}


async def other_shops_returning_customer(store: Store) -> None:
    """Another shop whose customer has Lena's key and two recent orders."""
    async with store.runtime.transaction() as session:
        other = Shop(platform=Platform.SHOPIFY, domain="other-shop.myshopify.com", name="Other")
        session.add(other)
        await session.flush()
        for number, days_ago in enumerate((20, 2)):
            placed = utcnow() - timedelta(days=days_ago)
            money = Decimal("10.00")
            session.add(
                Order(
                    shop_id=other.id or 0,
                    platform_id=f"other-{number}",
                    name=f"#{number}",
                    placed_at=placed,
                    platform_updated_at=placed,
                    state=OrderState.OPEN,
                    currency="EUR",
                    gross=money,
                    discounts=Decimal(0),
                    shipping=Decimal(0),
                    tax=Decimal(0),
                    total=money,
                    current_total=money,
                    customer_key=f"id:{LENA_ID}",
                    email=LENA,
                )  # fmt: skip
            )


async def segment_survey(store: Store, **settings: Any) -> int:
    """An active survey whose own trigger asks no one here (no win-back in these tests), so
    every invitation is the segment's."""
    return await survey(store, trigger="win_back_reactivation", days_after=0, **settings)


async def test_the_segment_is_exactly_the_recent_returning_customers(store: Store) -> None:
    expected = await customers(store)
    await other_shops_returning_customer(store)
    survey_id = await segment_survey(store)
    before = utcnow()

    asked = await store.api("POST", f"/{survey_id}/survey-segment", 202, ordered_within_days=90)

    assert asked == {"invited": 2}
    made = await invitations(store)
    assert {i.customer_key: i.order_platform_id for i in made} == expected
    assert {i.shop_id for i in made} == {store.shop_id}
    assert all(i.created_at >= before for i in made)
    await finish_jobs(store.connected.app)  # due at once: queued by the request, no sweep
    assert sorted(m["To"] for m in store.inbox.messages) == [LENA, "mia@example.com"]
    assert {(i.status, i.end_reason) for i in await invitations(store)} == {
        (EnrollmentStatus.FINISHED, "sent")
    }


async def test_a_longer_window_and_more_orders_choose_other_customers(store: Store) -> None:
    await customers(store)
    survey_id = await segment_survey(store)
    path = f"/{survey_id}/survey-segment"

    asked = await store.api("POST", path, 202, ordered_within_days=150, min_orders=3)
    assert asked == {"invited": 1}
    assert [i.customer_key for i in await invitations(store)] == [f"id:{MIA}"]
    asked = await store.api("POST", path, 202, ordered_within_days=150)
    assert asked == {"invited": 2}  # Lena and Olga; Mia was just asked
    keys = sorted(i.customer_key for i in await invitations(store))
    assert keys == sorted([f"id:{LENA_ID}", f"id:{MIA}", f"id:{OLGA}"])


async def test_a_second_request_invites_no_one_again(store: Store) -> None:
    await customers(store)
    survey_id = await segment_survey(store)
    path = f"/{survey_id}/survey-segment"
    assert await store.api("POST", path, 202, ordered_within_days=90) == {"invited": 2}
    await finish_jobs(store.connected.app)
    await sweep(store)
    assert len(store.inbox.messages) == 2

    assert await store.api("POST", path, 202, ordered_within_days=90) == {"invited": 0}
    await order(store, days_ago=0.01)  # Lena orders again: still within the cooldown
    assert await store.api("POST", path, 202, ordered_within_days=90) == {"invited": 0}
    await finish_jobs(store.connected.app)
    await sweep(store)
    assert len(await invitations(store)) == 2
    assert len(store.inbox.messages) == 2


async def test_an_unsubscribed_customer_is_skipped_with_the_reason(store: Store) -> None:
    await customers(store)
    async with store.runtime.transaction() as session:
        await lists.unsubscribe(
            session, store.shop_id, address_digest(store.shop_id, LENA), utcnow()
        )
    survey_id = await segment_survey(store)
    assert await store.api("POST", f"/{survey_id}/survey-segment", 202, ordered_within_days=90) == {
        "invited": 2
    }
    await finish_jobs(store.connected.app)
    await sweep(store)

    assert [m["To"] for m in store.inbox.messages] == ["mia@example.com"]
    ended = {i.customer_key: (i.status, i.end_reason) for i in await invitations(store)}
    assert ended[f"id:{LENA_ID}"] == (EnrollmentStatus.STOPPED, "unsubscribed")
    skipped = [s for s in await rows(store, MarketingSend) if s.status is SendStatus.SKIPPED]
    assert [(s.reason) for s in skipped] == ["unsubscribed"]


async def test_a_paused_survey_is_refused_and_records_nothing(store: Store) -> None:
    await customers(store)
    survey_id = await segment_survey(store)
    await store.api("POST", f"/{survey_id}/pause")

    refused = await store.api("POST", f"/{survey_id}/survey-segment", 409, ordered_within_days=90)

    assert "activate" in refused["error"]["message"]
    assert await invitations(store) == []


async def test_bad_input_is_refused_field_by_field_and_records_nothing(store: Store) -> None:
    await customers(store)
    survey_id = await segment_survey(store)
    path = f"/{survey_id}/survey-segment"

    refused = await store.api("POST", path, 422, ordered_within_days=0, min_orders=1)

    problems = {tuple(p["loc"]): p["message"] for p in refused["error"]["details"]["errors"]}
    assert set(problems) == {("body", "ordered_within_days"), ("body", "min_orders")}
    assert all(message.endswith(("1", "2")) for message in problems.values())
    await store.api("POST", path, 422, ordered_within_days=366)
    await store.api("POST", path, 422, ordered_within_days="soon")
    await store.api("POST", path, 422, everyone=True)
    assert await invitations(store) == []


async def test_another_kind_of_initiative_is_not_a_survey_to_send(store: Store) -> None:
    recovery = await store.recovery()
    await store.api("POST", f"/{recovery}/survey-segment", 404, ordered_within_days=90)
    await store.api("POST", "/987654321/survey-segment", 404, ordered_within_days=90)


async def test_a_customer_asked_now_is_not_asked_again_by_the_trigger(store: Store) -> None:
    await customers(store)
    survey_id = await survey(store, days_after=0)  # the returning-order trigger is on too
    path = f"/{survey_id}/survey-segment"
    assert await store.api("POST", path, 202, ordered_within_days=90) == {"invited": 2}

    await order(store, days_ago=0.01)  # Lena returns: within the cooldown of being asked
    await sweep(store)

    keys = sorted(i.customer_key for i in await invitations(store))
    assert keys == sorted([f"id:{LENA_ID}", f"id:{MIA}"])
    assert sorted(m["To"] for m in store.inbox.messages) == [LENA, "mia@example.com"]
