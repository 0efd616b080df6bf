"""The experiment in the admin (#19): the holdout and variants editor on the initiative's page
(read in the page's language, each wrong field named, nothing half-saved), the results page
(groups, intervals, the lift, the SRM warning, the progress toward the planned sample, and no
winner before it — in words, in each language), the lift on the key result's page, and the
"three tests for returning customers" made in one click. Real PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from app.initiatives.experiments.models import ExperimentAssignment
from app.initiatives.models import Initiative, InitiativeKeyResult, InitiativeType
from app.okr.models import KeyResult
from tests.admin.test_initiatives import key_result, shop_store, signed_in
from tests.admin.test_initiatives_win_back import read
from tests.fixtures.database import empty_all_tables
from tests.fixtures.mail import Inbox
from tests.initiatives.experiments.test_results_api import _experiment
from tests.initiatives.helpers import Store


@pytest.fixture
async def store(pg_engine: AsyncEngine, smtp_server: tuple[Inbox, int]) -> AsyncIterator[Store]:
    inbox, port = smtp_server
    await empty_all_tables(pg_engine)
    async for made in shop_store(port, inbox):
        yield made
    await empty_all_tables(pg_engine)


async def _stored(store: Store, initiative_id: int) -> Initiative:
    async with store.runtime.transaction() as session:
        found = await session.get(Initiative, initiative_id)
        assert found is not None
        return found


async def test_the_editor_saves_a_holdout_and_variants_typed_in_german(store: Store) -> None:
    csrf = await signed_in(store)
    made = await store.api("POST", "", 201, type="win_back", name="Zurück")
    client = store.connected.client
    form = {
        "csrf_token": csrf, "holdout": "12,5",
        "variant_1_key": "zehn", "variant_1_weight": "1", "variant_1_discount": "10",
        "variant_2_key": "zwanzig", "variant_2_weight": "3", "variant_2_discount": "20,5",
        "variant_2_subject": "20 % für dich", "variant_2_delay": "90",
    }  # fmt: skip

    answer = await client.post(
        f"/admin/initiatives/{made['id']}/experiment", data=form,
        headers={"Accept-Language": "de"}, follow_redirects=False,
    )  # fmt: skip

    assert answer.status_code == 303
    stored = await _stored(store, made["id"])
    assert stored.holdout_share == 0.125
    assert stored.variants == [
        {"key": "zehn", "weight": 1, "discount_value": "10"},
        {"key": "zwanzig", "weight": 3, "subject": "20 % für dich", "delay_minutes": 90,
         "discount_value": "20.5"},
    ]  # fmt: skip
    page = await client.get(f"/admin/initiatives/{made['id']}", headers={"Accept-Language": "de"})
    assert 'value="12,5"' in page.text  # read back as it was typed
    assert 'value="20,5"' in page.text


async def test_a_refused_experiment_names_each_field_and_saves_nothing(store: Store) -> None:
    csrf = await signed_in(store)
    made = await store.api("POST", "", 201, type="win_back", name="Back")
    form = {
        "csrf_token": csrf, "holdout": "70",
        "variant_1_key": "holdout", "variant_2_key": "b", "variant_2_weight": "many",
        "variant_3_key": "c", "variant_3_discount": "150",
    }  # fmt: skip

    answer = await store.connected.client.post(
        f"/admin/initiatives/{made['id']}/experiment", data=form,
        headers={"Accept-Language": "es"},
    )  # fmt: skip

    assert answer.status_code == 422
    text = read(answer.text)
    assert "Entre 0 y 50" in text or "entre 0 y 50" in text
    assert 'value="many"' in answer.text  # the form as typed
    stored = await _stored(store, made["id"])
    assert (stored.holdout_share, stored.variants) == (0.0, [])


async def test_the_results_page_shows_groups_lift_progress_and_no_winner_yet(
    store: Store,
) -> None:
    await signed_in(store)
    initiative_id, key_result_id = await _experiment(store)
    client = store.connected.client

    page = await client.get(f"/admin/initiatives/{initiative_id}/results")

    assert page.status_code == 200
    text = read(page.text)
    assert re.search(r'data-group="holdout">\s*<th scope="row">Held out</th><td>200</td>', text)
    assert 'data-verdict="collecting"' in text
    assert "No winner yet, on purpose" in text
    assert 'role="progressbar"' in text
    [lift] = re.findall(r'data-testid="lift">(.*?)</p>', text, re.S)
    assert lift.startswith("Added €1,000.00 in net sales to “Page load” (95 % interval €")
    assert "srm-warning" not in text
    for language, words in (("es", "Todavía no hay ganador"), ("de", "Noch kein Gewinner")):
        translated = await client.get(
            f"/admin/initiatives/{initiative_id}/results", headers={"Accept-Language": language}
        )
        assert words in read(translated.text)
    kr_page = read((await client.get(f"/admin/key-results/{key_result_id}")).text)
    assert "Added €1,000.00 in net sales to “Page load”" in kr_page


async def test_a_skewed_split_shows_the_warning(store: Store) -> None:
    await signed_in(store)
    initiative_id, _kr = await _experiment(store)
    async with store.runtime.transaction() as session:  # a third of the holdout went missing
        found = await session.exec(
            select(ExperimentAssignment).where(ExperimentAssignment.group == "holdout").limit(70)
        )
        for row in found.all():
            await session.delete(row)

    page = await store.connected.client.get(f"/admin/initiatives/{initiative_id}/results")

    assert 'data-testid="srm-warning"' in page.text


async def test_three_tests_for_returning_customers_in_one_click(store: Store) -> None:
    csrf = await signed_in(store)
    loyalty = await key_result(store, "Returning customers")
    async with store.runtime.transaction() as session:
        held = await session.get(KeyResult, loyalty)
        assert held is not None
        held.metric_key = "returning_customers"

    answer = await store.connected.client.post(
        "/admin/initiatives/returning-tests", data={"csrf_token": csrf},
        headers={"Accept-Language": "es"}, follow_redirects=True,
    )  # fmt: skip

    assert answer.status_code == 200
    async with store.runtime.transaction() as session:
        made = (await session.exec(select(Initiative).order_by(col(Initiative.id)))).all()
        links = (await session.exec(select(InitiativeKeyResult.key_result_id))).all()
    assert [i.type for i in made] == [
        InitiativeType.WIN_BACK,
        InitiativeType.ABANDONED_CHECKOUT,
        InitiativeType.SURVEY,
    ]
    assert all(i.holdout_share == 0.1 and len(i.variants) == 2 for i in made)
    assert made[0].name == "Clientes recurrentes: nivel de descuento"
    assert made[0].settings["language"] == "es"
    assert links == [loyalty] * 3
    assert "Se crearon tres experimentos" in read(answer.text)
