"""The survey page's "Ask returning customers now" form, in German: how many customers the
choices hold before sending, a sentence next to each wrong field (nothing recorded), a paused
survey refused (nothing recorded), and the notice of how many will be asked. Real PostgreSQL,
orders from real webhooks."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.admin.test_initiatives import shop_store, signed_in
from tests.fixtures.database import empty_all_tables
from tests.fixtures.mail import Inbox
from tests.initiatives.helpers import Store
from tests.initiatives.surveys_helpers import invitations
from tests.initiatives.test_survey_segment import customers, segment_survey

GERMAN = {"locale": "de"}


@pytest.fixture
async def store(pg_engine: AsyncEngine, smtp_server: tuple[Inbox, int]) -> AsyncIterator[Store]:
    inbox, port = smtp_server
    await empty_all_tables(pg_engine)
    async for made in shop_store(port, inbox):
        yield made
    await empty_all_tables(pg_engine)


async def test_the_form_counts_refuses_and_asks_in_german(store: Store) -> None:
    await customers(store)
    survey_id = await segment_survey(store)
    csrf = await signed_in(store)
    client, page = store.connected.client, f"/admin/surveys/{survey_id}"

    shown = await client.get(page, params=GERMAN)
    assert "Wiederkehrende Kunden jetzt befragen" in shown.text
    assert "Mit dieser Auswahl sind 2 Kunden in der Gruppe." in shown.text  # the last 90 days
    counted = await client.get(page, params={**GERMAN, "ordered_within_days": "150"})
    assert "Mit dieser Auswahl sind 3 Kunden in der Gruppe." in counted.text
    fewer = {**GERMAN, "ordered_within_days": "150", "min_orders": "3"}
    assert (
        "Mit dieser Auswahl ist 1 Kunde in der Gruppe."
        in (await client.get(page, params=fewer)).text
    )

    wrong = {"csrf_token": csrf, "ordered_within_days": "0", "min_orders": "zwei"}
    refused = await client.post(f"{page}/segment", params=GERMAN, data=wrong)
    assert refused.status_code == 422
    text = html.unescape(refused.text)
    assert (
        f'id="segment-{survey_id}-ordered_within_days-error">Wähle eine ganze Zahl von 1 bis 365.'
        in text
    )
    assert (
        f'id="segment-{survey_id}-min_orders-error">Wähle eine ganze Zahl von 2 bis 1000.' in text
    )
    assert 'value="zwei"' in text  # as typed
    assert await invitations(store) == []

    await store.api("POST", f"/{survey_id}/pause")
    fine = {"csrf_token": csrf, "ordered_within_days": "90", "min_orders": "2"}
    paused = await client.post(f"{page}/segment", params=GERMAN, data=fine)
    assert paused.status_code == 409
    assert "Schalte die Umfrage ein, bevor du jemanden befragst." in html.unescape(paused.text)
    assert await invitations(store) == []

    await store.api("POST", f"/{survey_id}/activate")
    asked = await client.post(f"{page}/segment", params=GERMAN, data=fine)
    assert asked.status_code == 303
    assert asked.headers["location"] == f"{page}?asked=2"
    after = await client.get(asked.headers["location"] + "&locale=de")
    notice = "2 Kunden werden in den nächsten Minuten befragt, jeder zu seiner letzten Bestellung."
    assert notice in html.unescape(after.text)
    assert len(await invitations(store)) == 2
