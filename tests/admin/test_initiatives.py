"""The admin's Initiatives section (#17): the list with a switch per initiative and its key
results, the new-initiative form with errors next to its fields, the settings form, the send
log in sentences, the e-mail preview in each language with a test send to the shop, the key
result's page naming its initiatives, and the operations page saying which e-mails failed when
the SMTP server is down (acceptance 6). Real PostgreSQL, real SMTP servers (aiosmtpd)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from app.demo.okrs import Goal, add_revenue_objective
from app.initiatives.models import EnrollmentStatus, InitiativeAudit
from app.messaging.models import SendStatus
from app.okr.models import KeyResult
from app.shops.models import Shop
from tests.admin.test_embedding import embedded_load
from tests.fixtures.app import finish_jobs
from tests.fixtures.database import empty_all_tables
from tests.fixtures.mail import Inbox
from tests.fixtures.network import free_port
from tests.fixtures.platforms import session_token
from tests.initiatives.helpers import SHOP, Store, open_store
from tests.shops.test_access import login

SHOP_EMAIL = "owner@recovery.example"


async def shop_store(smtp_port: int, inbox: Inbox) -> AsyncIterator[Store]:
    """The initiatives' test store, with the shop's own e-mail set and fast, few job tries."""
    async for made in open_store(smtp_port, inbox, job_retry_base_seconds=0.05, job_max_tries=3):
        async with made.runtime.transaction() as session:
            held = await session.get(Shop, made.shop_id)
            assert held is not None
            held.email = SHOP_EMAIL
        yield made


@pytest.fixture
async def store(pg_engine: AsyncEngine, smtp_server: tuple[Inbox, int]) -> AsyncIterator[Store]:
    """A Shopify shop with a real SMTP server behind the app; its clock reads midday."""
    inbox, port = smtp_server
    await empty_all_tables(pg_engine)
    async for made in shop_store(port, inbox):
        yield made
    await empty_all_tables(pg_engine)


@pytest.fixture
async def smtp_down(pg_engine: AsyncEngine) -> AsyncIterator[Store]:
    """The same, but nothing listens where the SMTP server should be."""
    await empty_all_tables(pg_engine)
    async for made in shop_store(free_port(), Inbox()):
        yield made
    await empty_all_tables(pg_engine)


async def key_result(store: Store, title: str = "Net sales") -> int:
    """A key result in this year's open cycle."""
    async with store.runtime.transaction() as session:
        shop = await session.get(Shop, store.shop_id)
        assert shop is not None
        await add_revenue_objective(session, shop, [Goal(title, "net_sales", Decimal(1000))])
        found = await session.exec(select(KeyResult.id).where(KeyResult.title == title))
        kr = found.one()
        assert kr is not None
        return kr


def new_form(csrf: str, **fields: object) -> dict[str, object]:
    return {
        "csrf_token": csrf,
        "type": "abandoned_checkout",
        "name": "Recover carts",
        "step_1": "1",
        "step_2": "24",
        "step_3": "",
        "attribution_days": "7",
        "language": "es",
        **fields,
    }


async def signed_in(store: Store) -> str:
    return (await login(store.connected, store.shop_id))["X-CSRF-Token"]


async def test_a_new_initiative_from_the_form_is_a_draft_with_its_steps_and_key_results(
    store: Store,
) -> None:
    kr = await key_result(store)
    csrf = await signed_in(store)
    client = store.connected.client

    form = await client.get("/admin/initiatives")
    assert form.status_code == 200
    assert 'aria-current="page">Initiatives' in form.text
    assert "Net sales (" in form.text  # the open key results to choose from
    assert "Turn off Shopify's own abandoned-checkout e-mail" in form.text
    made = await client.post("/admin/initiatives", data=new_form(csrf, key_result_ids=str(kr)))

    assert made.status_code == 303
    [initiative] = await store.api("GET", "")
    assert made.headers["location"] == f"/admin/initiatives/{initiative['id']}?created=1"
    assert initiative["status"] == "draft"
    assert initiative["key_result_ids"] == [kr]
    assert initiative["settings"]["steps"] == [{"delay_minutes": 60}, {"delay_minutes": 1440}]
    assert initiative["settings"]["language"] == "es"
    listed = await client.get("/admin/initiatives")
    row = re.search(rf'<tr data-initiative="{initiative["id"]}".*?</tr>', listed.text, re.S)
    assert row is not None
    assert "Abandoned-checkout recovery" in row[0]
    assert f'href="/admin/key-results/{kr}">Net sales' in row[0]
    assert 'role="switch"' in row[0]
    assert 'aria-checked="false"' in row[0]
    assert "Draft" in row[0]


async def test_a_refused_form_shows_each_error_next_to_its_field_and_saves_nothing(
    store: Store,
) -> None:
    await key_result(store)
    csrf = await signed_in(store)

    answer = await store.connected.client.post(
        "/admin/initiatives",
        params={"locale": "de"},
        data=new_form(csrf, name="", step_1="abc", step_2="0,1", key_result_ids="999"),
    )

    assert answer.status_code == 422
    html = answer.text
    for field in ("name", "step_1", "step_2", "key_result_ids"):
        assert f'id="initiative-new-{field}-error"' in html, field
    assert re.search(
        r'id="initiative-new-step_1"[^>]*aria-describedby="initiative-new-step_1-error"'
        r'[^>]*aria-invalid="true"',
        html,
    )
    assert 'value="abc"' in html  # as typed
    assert "Gib der Initiative einen Namen." in html  # in the page's language
    assert await store.api("GET", "") == []


async def switch(store: Store, initiative: int, on: str, csrf: str | None) -> httpx.Response:
    """The switch's htmx POST, as the page sends it."""
    data = {"on": on} | ({"csrf_token": csrf} if csrf else {})
    return await store.connected.client.post(
        f"/admin/initiatives/{initiative}/toggle", data=data, headers={"HX-Request": "true"}
    )


async def test_the_switch_activates_and_pauses_and_an_ended_one_says_why(store: Store) -> None:
    csrf = await signed_in(store)
    initiative = await store.recovery()
    await store.api("POST", f"/{initiative}/pause")

    on = await switch(store, initiative, "1", csrf)
    assert on.status_code == 200
    assert 'data-status="active"' in on.text
    assert 'aria-checked="true"' in on.text
    assert (await store.api("GET", f"/{initiative}"))["status"] == "active"
    off = await switch(store, initiative, "0", csrf)
    assert 'data-status="paused"' in off.text
    assert (await store.api("GET", f"/{initiative}"))["status"] == "paused"
    assert (await switch(store, initiative, "1", None)).status_code == 403  # no CSRF token
    await store.api("POST", f"/{initiative}/end")
    ended = await switch(store, initiative, "1", csrf)
    assert ended.status_code == 409
    assert "This initiative has ended" in ended.text
    assert (await store.api("GET", f"/{initiative}"))["status"] == "ended"


async def test_the_settings_form_saves_and_another_shops_initiative_is_not_found(
    store: Store,
) -> None:
    kr = await key_result(store)
    csrf = await signed_in(store)
    initiative = await store.recovery()
    client = store.connected.client

    saved = await client.post(
        f"/admin/initiatives/{initiative}",
        data=new_form(csrf, name="Carts (EU)", step_1="1,5", step_2="", key_result_ids=str(kr)),
        params={"locale": "de"},
    )

    assert saved.status_code == 303
    held = await store.api("GET", f"/{initiative}")
    assert held["name"] == "Carts (EU)"
    assert held["settings"]["steps"] == [{"delay_minutes": 90}]
    assert held["key_result_ids"] == [kr]
    page = await client.get(f"/admin/initiatives/{initiative}")
    assert 'value="1.5"' in page.text  # hours, as the page writes them
    assert (await client.get("/admin/initiatives/2147483647")).status_code == 404
    assert (await client.get("/admin/initiatives/2147483647/preview")).status_code == 404


async def test_the_send_log_says_why_a_customer_was_skipped_in_the_pages_language(
    store: Store,
) -> None:
    await signed_in(store)
    initiative = await store.recovery()
    await store.abandon(consent=False)
    await store.abandon(email="sam@example.com")
    await store.sweep()

    english = await store.connected.client.get(f"/admin/initiatives/{initiative}")
    spanish = await store.connected.client.get(
        f"/admin/initiatives/{initiative}", params={"locale": "es"}
    )

    assert "Not sent: the customer has not agreed to receive marketing e-mails." in english.text
    assert 'data-status="sent"' in english.text
    assert "sam@example.com" not in english.text  # no address is kept, none shown
    assert "consent" not in re.sub(r"<[^>]+>", "", english.text).split("Send log")[1]
    assert "No enviado: el cliente no ha aceptado recibir correos de marketing." in spanish.text


async def test_the_preview_speaks_each_language_and_a_test_goes_to_the_shop_only(
    store: Store,
) -> None:
    csrf = await signed_in(store)
    initiative = await store.recovery()
    client = store.connected.client

    for language, subject in (
        ("en", "You left something in your cart"),
        ("es", "Has dejado algo en tu carrito"),
        ("de", "Du hast etwas in deinem Warenkorb vergessen"),
    ):
        page = await client.get(
            f"/admin/initiatives/{initiative}/preview", params={"language": language}
        )
        assert page.status_code == 200
        assert subject in page.text
        assert "srcdoc=" in page.text
        assert 'data-testid="email-text"' in page.text
    sent = await client.post(
        f"/admin/initiatives/{initiative}/test-send", data={"csrf_token": csrf, "language": "de"}
    )
    assert sent.status_code == 303
    [message] = store.inbox.messages
    assert message["To"] == SHOP_EMAIL
    assert "Du hast etwas in deinem Warenkorb vergessen" in str(message["Subject"])
    assert "List-Unsubscribe" not in message  # not marketing
    assert await store.sends() == []  # not in the send log
    again = await client.post(
        f"/admin/initiatives/{initiative}/test-send", data={"csrf_token": csrf, "language": "de"}
    )
    assert again.status_code == 429
    assert int(again.headers["Retry-After"]) > 0
    assert len(store.inbox.messages) == 1
    async with store.runtime.transaction() as session:
        audit = await session.exec(
            select(InitiativeAudit.action).where(col(InitiativeAudit.action) == "test_sent")
        )
        assert audit.all() == ["test_sent"]


async def test_the_key_results_page_lists_the_initiatives_linked_to_it(store: Store) -> None:
    kr = await key_result(store)
    await signed_in(store)
    made = await store.api(
        "POST", "", 201, type="abandoned_checkout", name="Recover carts", key_result_ids=[kr]
    )

    page = await store.connected.client.get(f"/admin/key-results/{kr}")

    assert page.status_code == 200
    linked = re.search(r'data-testid="linked-initiative">.*?</li>', page.text, re.S)
    assert linked is not None
    assert f'href="/admin/initiatives/{made["id"]}">Recover carts' in linked[0]
    assert "Draft" in linked[0]


async def test_the_section_works_inside_the_shopify_admin(store: Store) -> None:
    initiative = await store.recovery()
    token = session_token(SHOP)
    params = embedded_load(token) | {"shop": SHOP}

    page = await store.connected.client.get("/admin/initiatives", params=params)
    assert page.status_code == 200
    assert "/admin/static/embedded.js" in page.text
    switched = await store.connected.client.post(
        f"/admin/initiatives/{initiative}/toggle",
        data={"on": "0"},
        headers={"Authorization": f"Bearer {session_token(SHOP)}", "HX-Request": "true"},
    )
    assert switched.status_code == 200
    assert (await store.api("GET", f"/{initiative}"))["status"] == "paused"


async def test_with_the_smtp_server_down_a_step_retries_then_shows_as_failed_on_operations(
    smtp_down: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """Acceptance 6: the step's job is retried with growing pauses, then the enrollment stops
    (the minute's sweep does not queue it again: no crash loop), and the operations page says
    in a sentence which e-mail failed."""
    store = smtp_down
    initiative = await store.recovery()
    await store.abandon()

    await store.sweep()  # queues the step's job; the runner retries it until its tries end
    await finish_jobs(store.connected.app)

    retry = re.compile(r"attempt (\d) of 3\), retrying in ([\d.]+)s")
    retries = [found.groups() for r in caplog.records if (found := retry.search(r.getMessage()))]
    assert retries == [("1", "0.05"), ("2", "0.1")]  # the pause doubles
    [send] = await store.sends()
    assert (send.status, send.reason, send.attempts) == (SendStatus.FAILED, "smtp_error", 3)
    [enrollment] = await store.enrollments()
    assert (enrollment.status, enrollment.end_reason) == (EnrollmentStatus.STOPPED, "smtp_error")
    await store.sweep()  # nothing due any more
    assert (await store.sends())[0].attempts == 3
    await signed_in(store)
    page = await store.connected.client.get("/admin/operations")
    assert page.status_code == 200
    [failed] = re.findall(r'data-testid="failed-send">.*?</li>', page.text, re.S)
    assert f'href="/admin/initiatives/{initiative}">Recover carts' in failed
    assert "step 1" in failed
    assert "the mail server could not be reached or refused the message (tried 3 times)" in failed
    assert "Errno" not in page.text  # no internals
    assert "SMTP" not in page.text
    log = await store.connected.client.get(f"/admin/initiatives/{initiative}")
    assert "tried 3 times" in log.text
