"""#22: the dashboard's first steps (store, history, objective, initiative, digest) — each a link
to where it is done, done ones ticked, the list gone once all are done — and, beside the
scorecard, what its terms mean and when its figures were read, in the page's language."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.admin.dashboard.onboarding import first_steps
from app.commerce.models import StoreSync, SyncKind, SyncStatus
from app.db import utcnow
from app.digest.models import DigestSettings
from app.initiatives.models import Initiative, InitiativeType
from app.okr.service import today_for
from app.shops.login_links import create_login_link
from app.shops.models import SignedInShop
from tests.fixtures.objects import create_okr, create_shop
from tests.fixtures.stores import PUBLIC_URL, Connected
from tests.webhooks.helpers import install

LINKS = {
    "store": "/admin/operations",
    "history": "/admin/operations",
    "objective": "/admin/okrs",
    "initiative": "/admin/initiatives",
    "digest": "/admin/digest",
}


def done_of(steps: object) -> dict[str, bool]:
    assert isinstance(steps, list)
    return {step.key: step.done for step in steps}


async def test_a_new_shop_has_every_step_but_the_connection_to_do(session: AsyncSession) -> None:
    shop = SignedInShop.of(await create_shop(session))

    steps = await first_steps(session, shop)

    assert steps is not None
    assert {step.key: step.href for step in steps} == LINKS
    assert done_of(steps) == {
        "store": True, "history": False, "objective": False, "initiative": False, "digest": False,
    }  # fmt: skip


async def test_done_steps_are_ticked_and_the_list_goes_once_all_are_done(
    session: AsyncSession,
) -> None:
    row = await create_shop(session)
    other = await create_shop(session, domain="other-onboarding.myshopify.com")
    shop = SignedInShop.of(row)
    shop_id = row.id or 0
    # Another shop's progress is not this one's; a backfill still running is not history.
    await create_okr(session, other.id or 0)
    session.add(StoreSync(shop_id=shop_id, kind=SyncKind.BACKFILL, since=utcnow()))
    session.add(DigestSettings(shop_id=shop_id, enabled=False, recipients="a@example.com"))
    await session.flush()
    early = done_of(await first_steps(session, shop))
    assert (early["history"], early["digest"]) == (False, False)

    await create_okr(session, shop_id)
    session.add(StoreSync(shop_id=shop_id, kind=SyncKind.BACKFILL, status=SyncStatus.DONE,
                          since=utcnow(), finished_at=utcnow()))  # fmt: skip
    await session.flush()
    partly = done_of(await first_steps(session, shop))
    assert partly == {
        "store": True, "history": True, "objective": True, "initiative": False, "digest": False,
    }  # fmt: skip

    session.add(Initiative(shop_id=shop_id, type=InitiativeType.MANUAL, name="Newsletter"))
    digest = await session.get(DigestSettings, shop_id)
    assert digest is not None
    digest.enabled = True
    await session.flush()
    assert await first_steps(session, shop) is None


async def signed_in(connected: Connected, domain: str, *, with_cycle: bool = False) -> int:
    """A shop signed in on the test client; with a cycle this year, its key result's id."""
    shop = await install(connected, domain)
    runtime = connected.app.state.runtime
    kr_id = 0
    async with runtime.transaction() as session:
        if with_cycle:
            cycle, _objective, kr = await create_okr(session, shop.id or 0)
            this_year = today_for(shop).year
            cycle.start, cycle.end = date(this_year, 1, 1), date(this_year, 12, 31)
            kr_id = kr.id or 0
        link = await create_login_link(session, runtime.settings, shop)
    answer = await connected.client.get(link.removeprefix(PUBLIC_URL))
    assert answer.status_code == 303, answer.text
    return kr_id


@pytest.mark.parametrize(
    ("locale", "title", "step"),
    [
        ("en", "First steps", "Write your first objective"),
        ("es", "Primeros pasos", "Escribe tu primer objetivo"),
        ("de", "Erste Schritte", "Schreibe dein erstes Ziel"),
    ],
)
async def test_the_dashboard_shows_the_first_steps_as_links_in_the_pages_language(
    connected: Connected, locale: str, title: str, step: str
) -> None:
    await signed_in(connected, f"steps-{locale}.myshopify.com")

    page = await connected.client.get(f"/?locale={locale}")

    assert page.status_code == 200, page.text
    assert 'data-testid="onboarding"' in page.text
    assert title in page.text
    assert f'<a href="/admin/okrs">{step}</a>' in page.text
    assert '<li data-step="store" class="done">' in page.text
    assert '<li data-step="initiative" class="to-do">' in page.text


@pytest.mark.parametrize(
    ("locale", "summary", "score", "as_of"),
    [
        ("en", "What score, band, pace and forecast mean", "About 0.7 is a good result",
         "Figures as of"),
        ("es", "Qué significan puntuación, franja, ritmo y previsión",
         "Alrededor de 0,7 es un buen resultado", "Cifras a"),
        ("de", "Was Score, Bereich, Tempo und Prognose bedeuten", "Etwa 0,7 ist ein gutes Ergebnis",
         "Zahlen vom"),
    ],
)  # fmt: skip
async def test_the_scorecard_says_what_its_terms_mean_and_when_it_was_read(
    connected: Connected, locale: str, summary: str, score: str, as_of: str
) -> None:
    kr_id = await signed_in(connected, f"terms-{locale}.myshopify.com", with_cycle=True)

    dashboard = await connected.client.get(f"/?locale={locale}")
    fragment = await connected.client.get("/admin/scorecard", headers={"X-StoreOKR-Locale": locale})
    kr_page = await connected.client.get(f"/admin/key-results/{kr_id}?locale={locale}")

    for page in (dashboard, fragment):
        assert page.status_code == 200
        assert f"<summary>{summary}</summary>" in page.text
        assert score in page.text
        assert f'data-testid="updated-at">{as_of} ' in page.text
    assert "data-live-status hidden" in dashboard.text  # live.js shows it once the stream opens
    assert kr_page.status_code == 200
    assert f"<summary>{summary}</summary>" in kr_page.text
