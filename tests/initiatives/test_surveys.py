"""Surveys end to end: a returning customer's order (real webhooks) invites them, the e-mail goes
out through the real SMTP server after the configured days, a one-click score link records the
score once and a second click replaces it, the hosted page takes the follow-up; NPS moves live
and equals a recomputation from the responses table. A first order, an unsubscribed customer and
a survey answered in the widget first send nothing."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import utcnow
from app.initiatives.models import EnrollmentStatus, WinBackEnrollment
from app.initiatives.surveys import links
from app.initiatives.surveys.tasks import send_invitation
from app.live.messages import shop_channel
from app.messaging import lists
from app.messaging.addresses import address_digest
from app.messaging.models import MarketingSend, SendStatus
from app.metrics import service
from app.metrics.figures import local_day
from app.metrics.periods import Granularity
from tests.fixtures.database import empty_all_tables
from tests.fixtures.mail import Inbox
from tests.fixtures.network import free_port
from tests.initiatives.helpers import SHOP, Store, open_store
from tests.initiatives.surveys_helpers import (
    LENA,
    LENA_ID,
    click,
    invitations,
    order,
    responses,
    rows,
    score_links,
    scores,
    subject,
    survey,
    sweep,
)
from tests.initiatives.test_win_back import customer


async def metric(store: Store, key: str) -> Decimal | None:
    today = local_day(utcnow(), "UTC")
    async with store.runtime.transaction() as session:
        first, last = today - timedelta(days=3), today + timedelta(days=3)
        result = await service.evaluate(session, store.shop_id, key, first, last, Granularity.DAY)
        return result.value


async def nps_from_responses(store: Store) -> Decimal:
    """NPS recomputed from the responses table alone, in points."""
    async with store.runtime.transaction() as session:
        row = (
            await session.exec(  # type: ignore[call-overload]
                text(
                    "SELECT count(*) FILTER (WHERE nps >= 9), count(*) FILTER (WHERE nps <= 6), "
                    "count(nps) FROM survey_responses WHERE shop_id = :shop"
                ),
                params={"shop": store.shop_id},
            )
        ).one()
    promoters, detractors, answers = row
    return Decimal(100 * (promoters - detractors)) / Decimal(answers)


async def returning_and_sent(store: Store, days_after: int = 3) -> None:
    """Lena ordered a month ago and again `days_after` days and an hour ago; the sweep sends
    her survey e-mail."""
    await survey(store, days_after=days_after)
    await order(store, days_ago=30)
    await order(store, days_ago=days_after + 1 / 24)
    await sweep(store)


async def test_a_returning_customers_order_sends_the_survey_after_the_configured_days(
    store: Store,
) -> None:
    await survey(store, days_after=3)
    await order(store, days_ago=30)
    await order(store, days_ago=2)  # her return: its e-mail is due in a day
    [invitation] = await invitations(store)
    assert invitation.next_due_at is not None
    assert invitation.next_due_at - invitation.ordered_at == timedelta(days=3)

    await sweep(store)
    assert store.inbox.messages == []  # not yet

    await order(store, days_ago=5, customer_id=4242, email="otto@example.com")  # a first order
    async with store.runtime.transaction() as session:  # a day later
        held = await session.get(type(invitation), invitation.id)
        assert held is not None
        held.next_due_at = utcnow() - timedelta(minutes=1)
    await sweep(store)
    await sweep(store)  # run twice: one e-mail
    [message] = store.inbox.messages
    assert message["To"] == LENA
    assert subject(store) == "Test shop: a quick question about your order"
    assert sorted(score_links(store)) == list(range(11))
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [sent] = await invitations(store)
    assert (sent.status, sent.end_reason) == (EnrollmentStatus.FINISHED, "sent")


async def test_a_click_on_nine_records_nine_once_and_ten_replaces_it_live(store: Store) -> None:
    await returning_and_sent(store)
    links_of = score_links(store)
    async with store.runtime.broadcaster.subscribe(shop_channel(store.shop_id)) as live:
        page = await click(store, links_of[9])
        assert page.status_code == 200
        assert "Test shop" in page.text
        # The click is an e-mail click too: the marketing family may be heard first.
        heard = [await live.next(5) for _ in range(2)]
        families = {json.loads(message)["data"]["family"] for message in heard if message}
        assert "surveys" in families
    [response] = await responses(store)
    assert (response.nps, response.channel) == (9, "email")
    assert response.customer_key == f"id:{LENA_ID}"
    assert await metric(store, "nps") == Decimal(100) == await nps_from_responses(store)

    again = await click(store, links_of[9])  # the same click twice: still one response
    assert again.status_code == 200
    await click(store, links_of[3])  # she changes her mind: a detractor now
    assert [(r.id, r.nps) for r in await responses(store)] == [(response.id, 3)]
    assert [s.nps for s in await scores(store)] == [3]
    assert await metric(store, "nps") == Decimal(-100) == await nps_from_responses(store)
    await click(store, links_of[10])
    assert [r.nps for r in await responses(store)] == [10]
    assert await metric(store, "survey_responses") == 1
    assert await metric(store, "survey_response_rate") == 1
    [send] = [s for s in await rows(store, MarketingSend) if s.subject.startswith("survey:")]
    assert send.clicked_at is not None  # the score links are the e-mail's tracked links


async def test_the_nps_key_result_moves_with_a_response_and_equals_the_recomputation(
    store: Store,
) -> None:
    await returning_and_sent(store)
    client, auth = store.connected.client, store.auth
    cycle = (await client.post("/api/v1/cycles", headers=auth, json={"year": utcnow().year})).json()
    goal = await client.post(
        "/api/v1/objectives", headers=auth,
        json={"cycle_id": cycle["id"], "title": "Customers love us", "kind": "customer_loyalty"},
    )  # fmt: skip
    assert goal.status_code == 201, goal.text
    kr = await client.post(
        "/api/v1/key-results", headers=auth,
        json={"objective_id": goal.json()["id"], "title": "NPS from 0 to 45", "source": "metric",
              "metric_key": "nps", "kr_type": "increase_to", "start_value": "0", "target": "45"},
    )  # fmt: skip
    assert kr.status_code == 201, kr.text
    assert kr.json()["status"]["value"] is None  # no answer yet

    async with store.runtime.broadcaster.subscribe(shop_channel(store.shop_id)) as live:
        await click(store, score_links(store)[9])
        heard = await live.next(5)
    assert heard is not None
    assert json.loads(heard)["kind"] == "metrics"
    moved = (await client.get(f"/api/v1/key-results/{kr.json()['id']}", headers=auth)).json()
    assert Decimal(moved["status"]["value"]) == await nps_from_responses(store) == 100


async def test_the_hosted_page_takes_the_follow_up_in_the_surveys_language(store: Store) -> None:
    await survey(store, days_after=0, language="es")
    await order(store, days_ago=30)
    await order(store, days_ago=0.01)
    await sweep(store)
    [message] = store.inbox.messages
    assert subject(store) == "Test shop: una pregunta rápida sobre tu pedido"
    page = await click(store, score_links(store)[6])
    assert '<html lang="es">' in page.text
    assert "¿Cuál es el motivo principal de tu puntuación?" in page.text
    [invitation] = await invitations(store)
    path = links.page_url(store.runtime.settings, store.shop_id, invitation.id or 0)
    path = path.removeprefix("https://storeokr.test")
    answered = await store.connected.client.post(path, data={"q_why": "Delivery was slow"})
    assert answered.status_code == 200
    assert "Hemos guardado tus respuestas" in answered.text
    [response] = await responses(store)
    assert (response.nps, response.comments) == (6, {"why": "Delivery was slow"})

    wrong = await store.connected.client.post(path, data={"q_recommend": "11"})
    assert wrong.status_code == 422
    assert [r.nps for r in await responses(store)] == [6]  # nothing changed
    out_of_scale = await store.connected.client.get(f"{path}/42")
    assert out_of_scale.status_code == 422
    forged = re.sub(r"\.[A-Za-z0-9_-]{43}$", "." + "A" * 43, path)
    assert (await store.connected.client.get(f"{forged}/9")).status_code == 404
    assert [r.nps for r in await responses(store)] == [6]


async def test_a_first_order_sends_nothing_and_an_unsubscribed_customer_gets_nothing(
    store: Store,
) -> None:
    await survey(store, days_after=0)
    await order(store, days_ago=0.01)  # her first order
    await sweep(store)
    assert await invitations(store) == []
    async with store.runtime.transaction() as session:
        digest = address_digest(store.shop_id, LENA)
        await lists.unsubscribe(session, store.shop_id, digest, utcnow())
    await order(store, days_ago=0.005)  # she returns, but said no more e-mails
    await sweep(store)
    assert store.inbox.messages == []
    [invitation] = await invitations(store)
    assert (invitation.status, invitation.end_reason) == (EnrollmentStatus.STOPPED, "unsubscribed")
    [logged] = await rows(store, MarketingSend)
    assert (logged.status, logged.reason) == (SendStatus.SKIPPED, "unsubscribed")


async def test_a_lost_subscriber_is_caught_up_by_the_sweep_once(store: Store) -> None:
    await order(store, days_ago=30)
    await order(store, days_ago=0.5)
    await survey(store, days_after=0)  # switched on after the orders: its subscriber never ran
    await sweep(store)
    await sweep(store)
    assert len(await invitations(store)) == 1
    assert len(store.inbox.messages) == 1


async def test_a_job_run_twice_sends_once(store: Store) -> None:
    await survey(store, days_after=0)
    await order(store, days_ago=30)
    await order(store, days_ago=0.01)
    [invitation] = await invitations(store)
    assert invitation.id is not None
    await store.run(send_invitation, invitation.id, 1)
    await store.run(send_invitation, invitation.id, 1)
    await sweep(store)
    assert len(store.inbox.messages) == 1


async def test_settings_are_checked_question_by_question(store: Store) -> None:
    made = await store.api("POST", "", 201, type="survey", name="Survey", settings={})
    assert [q["kind"] for q in made["settings"]["questions"]] == ["nps", "text"]
    untranslated = {"questions": [{"id": "easy", "kind": "ces", "text": {"en": "Easy?"}}]}
    await store.api("POST", "", 422, type="survey", name="Survey", settings=untranslated)
    words = {"en": "Which?", "es": "¿Cuál?", "de": "Welche?"}
    choices = [{"id": "a", "text": words}, {"id": "b", "text": words}]
    choice_first = {"questions": [{"id": "which", "kind": "choice", "text": words,
                                   "choices": choices}]}  # fmt: skip
    answer = await store.api("POST", "", 422, type="survey", name="Survey", settings=choice_first)
    assert "score question" in json.dumps(answer)
    await store.api("POST", "", 422, type="survey", name="S", settings={"days_after": 61})


async def test_customer_redaction_removes_the_link_and_free_text_and_keeps_the_scores(
    store: Store,
) -> None:
    await returning_and_sent(store)
    page = await click(store, score_links(store)[9])
    assert page.status_code == 200
    [invitation] = await invitations(store)
    path = links.page_url(store.runtime.settings, store.shop_id, invitation.id or 0)
    await store.connected.client.post(
        path.removeprefix("https://storeokr.test"), data={"q_why": "Lena loves the tea"}
    )
    await order(store, days_ago=40, customer_id=5151, email="otto@example.com")
    await order(store, days_ago=3.05, customer_id=5151, email="otto@example.com")
    await sweep(store)
    await click(store, score_links(store)[2])
    before = {key: await metric(store, key) for key in ("nps", "survey_responses")}
    assert before == {"nps": Decimal(0), "survey_responses": 2}

    await store.deliver(
        "customers/redact",
        {"shop_domain": SHOP, "customer": {"id": LENA_ID, "email": LENA},
         "orders_to_redact": []},
    )  # fmt: skip

    lena, otto = await responses(store)
    assert (lena.customer_key, lena.comments, lena.nps) == (None, {}, 9)
    assert otto.customer_key == "id:5151"  # another customer keeps theirs
    assert not any("7523148894362" in (i.customer_key or "") for i in await invitations(store))
    assert {key: await metric(store, key) for key in before} == before
    assert await nps_from_responses(store) == before["nps"]


async def test_a_win_back_reactivation_invites_the_customer_it_won_back(store: Store) -> None:
    won_back = await survey(store, days_after=0, trigger="win_back_reactivation")
    returning = await survey(store, days_after=0)  # a returning-order survey asks too, once
    key = await customer(store, store.shop_id, days=0)
    async with store.runtime.transaction() as session:
        session.add(
            WinBackEnrollment(
                shop_id=store.shop_id, initiative_id=returning, customer_key=key,
                lapsed_since=utcnow() - timedelta(days=120), threshold_days=60,
                status=EnrollmentStatus.CONVERTED, first_message_at=utcnow() - timedelta(days=2),
                reactivated_at=utcnow() - timedelta(hours=1), reactivated_by_order="R-1001",
            )
        )  # fmt: skip
    await sweep(store)
    await sweep(store)
    [invitation] = await invitations(store)
    assert (invitation.initiative_id, invitation.order_platform_id) == (won_back, "R-1001")
    assert [m["To"] for m in store.inbox.messages] == [LENA]


async def test_two_clicks_at_once_make_one_response(store: Store) -> None:
    await returning_and_sent(store)
    links_of = score_links(store)
    pages = await asyncio.gather(click(store, links_of[4]), click(store, links_of[8]))
    assert [page.status_code for page in pages] == [200, 200]
    [response] = await responses(store)
    [score] = await scores(store)
    assert response.nps in (4, 8)
    assert score.nps == response.nps
    assert await metric(store, "survey_responses") == 1


@pytest.fixture
async def smtp_down(pg_engine: AsyncEngine) -> AsyncIterator[Store]:
    """The test store with nothing listening where the SMTP server should be."""
    await empty_all_tables(pg_engine)
    async for made in open_store(
        free_port(), Inbox(), job_retry_base_seconds=0.05, job_max_tries=3
    ):
        yield made
    await empty_all_tables(pg_engine)


async def test_with_the_smtp_server_down_the_invitation_stops_after_its_tries(
    smtp_down: Store,
) -> None:
    store = smtp_down
    await survey(store, days_after=0)
    await order(store, days_ago=30)
    await order(store, days_ago=0.01)
    await sweep(store)  # the runner retries the job until its tries end
    [send] = await rows(store, MarketingSend)
    assert (send.status, send.reason, send.attempts) == (SendStatus.FAILED, "smtp_error", 3)
    [invitation] = await invitations(store)
    assert (invitation.status, invitation.end_reason) == (EnrollmentStatus.STOPPED, "smtp_error")
    await sweep(store)  # nothing due any more: no crash loop
    assert [s.attempts for s in await rows(store, MarketingSend)] == [3]


async def test_a_customer_is_not_asked_again_within_the_cooldown(store: Store) -> None:
    await survey(store, days_after=0, cooldown_days=30)
    await order(store, days_ago=60)
    asked = await order(store, days_ago=1)  # her return: asked
    await order(store, days_ago=0.01)  # again, within 30 days of the order she was asked about
    await sweep(store)
    [invitation] = await invitations(store)
    assert invitation.order_platform_id == asked
    assert len(store.inbox.messages) == 1
