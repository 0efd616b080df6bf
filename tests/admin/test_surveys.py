"""The admin's Surveys section (#18): the builder with errors next to its fields, a survey's page
(preview in the survey's languages, widget snippets), its responses filtered and exported as
CSV (a free text that a spreadsheet would run stays text), and the Initiatives section sending
a survey to its own page. Real PostgreSQL and SMTP; answers recorded by the survey's own path."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import utcnow
from app.initiatives.models import Initiative
from app.initiatives.surveys.answers import Respondent, answer
from app.initiatives.surveys.models import Channel
from app.initiatives.surveys.settings import survey_settings
from tests.admin.test_initiatives import shop_store, signed_in
from tests.fixtures.database import empty_all_tables
from tests.fixtures.mail import Inbox
from tests.initiatives.helpers import Store

WORDS = {"q1_kind": "nps", "q1_en": "Recommend us?", "q1_es": "¿Nos recomiendas?",
         "q1_de": "Empfiehlst du uns?", "q2_kind": "text", "q2_en": "Why?", "q2_es": "¿Por qué?",
         "q2_de": "Warum?", "trigger": "returning_order", "days_after": "7",
         "cooldown_days": "90", "language": "en"}  # fmt: skip


@pytest.fixture
async def store(pg_engine: AsyncEngine, smtp_server: tuple[Inbox, int]) -> AsyncIterator[Store]:
    """The Initiatives section's test store (the shop's e-mail set)."""
    inbox, port = smtp_server
    await empty_all_tables(pg_engine)
    async for made in shop_store(port, inbox):
        yield made
    await empty_all_tables(pg_engine)


async def built(store: Store, csrf: str, **fields: str) -> int:
    client = store.connected.client
    made = await client.post(
        "/admin/surveys", data={"csrf_token": csrf, "name": "Survey", **WORDS, **fields}
    )
    assert made.status_code == 303, made.text
    return int(made.headers["location"].split("/admin/surveys/")[1].split("?")[0])


async def answered(store: Store, survey_id: int, answers: list[tuple[str, int, str]]) -> None:
    """(channel, NPS, free text) per response, one order each, answered an hour apart."""
    async with store.runtime.transaction() as session:
        survey = await session.get(Initiative, survey_id)
        assert survey is not None
        settings = survey_settings(survey.settings)
        for number, (channel, score, why) in enumerate(answers):
            who = Respondent(survey, f"order-{number}", None, None, Channel(channel), "en")
            at = utcnow() - timedelta(hours=len(answers) - number)
            await answer(session, who, settings, {"q1": score, "q2": why}, at)


async def test_the_builder_refuses_with_each_error_next_to_its_field(store: Store) -> None:
    csrf = await signed_in(store)
    client = store.connected.client
    refused = await client.post(
        "/admin/surveys",
        data={"csrf_token": csrf, "name": "", **WORDS, "q1_es": "", "days_after": "99"},
    )
    assert refused.status_code == 422
    assert "Give the survey a name." in refused.text
    assert "Write the question in every language." in refused.text
    assert await store.api("GET", "") == []
    second = await client.post(
        "/admin/surveys",
        data={"csrf_token": csrf, "name": "Survey", **WORDS, "days_after": "99"},
    )
    assert second.status_code == 422
    assert 'id="survey-new-days_after-error"' in second.text
    assert await store.api("GET", "") == []


async def test_a_surveys_page_previews_the_email_and_gives_the_widget_snippets(
    store: Store,
) -> None:
    csrf = await signed_in(store)
    choice = {"q3_kind": "choice", "q3_en": "Which?", "q3_es": "¿Cuál?", "q3_de": "Welche?",
              "q3_choices": "Tea | Té | Tee\nCoffee | Café | Kaffee"}  # fmt: skip
    survey_id = await built(store, csrf, **choice)
    [held] = await store.api("GET", "")
    assert held["type"] == "survey"
    assert held["settings"]["questions"][2]["choices"][1]["text"]["de"] == "Kaffee"
    page = await store.connected.client.get(f"/admin/surveys/{survey_id}?language=de")
    assert page.status_code == 200
    assert "eine kurze Frage zu deiner Bestellung" in page.text
    assert "Empfiehlst du uns?" in page.text
    assert f'data-survey="{survey_id}"' in html.unescape(page.text)
    assert "woocommerce_thankyou" in page.text
    routed = await store.connected.client.get(f"/admin/initiatives/{survey_id}")
    assert routed.status_code == 303
    assert routed.headers["location"] == f"/admin/surveys/{survey_id}"


async def test_responses_are_filtered_and_exported_as_csv(store: Store) -> None:
    csrf = await signed_in(store)
    survey_id = await built(store, csrf)
    await answered(store, survey_id, [("email", 10, "Great tea"), ("widget", 3, "=HYPERLINK(1)"),
                                      ("widget", 8, "")])  # fmt: skip
    client = store.connected.client
    listed = await client.get(f"/admin/surveys/{survey_id}/responses")
    assert listed.text.count('data-testid="response"') == 3
    widget = await client.get(f"/admin/surveys/{survey_id}/responses?channel=widget")
    assert widget.text.count('data-testid="response"') == 2
    detractors = await client.get(f"/admin/surveys/{survey_id}/responses?group=detractors")
    assert detractors.text.count('data-testid="response"') == 1
    exported = await client.get(f"/admin/surveys/{survey_id}/responses.csv?channel=widget")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0] == ["Answered", "Channel", "Order", "Recommend us?", "Why?"]
    assert [row[1:] for row in rows[1:]] == [
        ["widget", "order-2", "8", ""],
        ["widget", "order-1", "3", "'=HYPERLINK(1)"],
    ]
    other = await client.get(f"/admin/surveys/{survey_id + 1000}/responses.csv")
    assert other.status_code == 404
