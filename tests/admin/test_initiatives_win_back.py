"""Win-back in the admin's Initiatives section (#17): created and changed from a form read in
the page's language with an error next to each wrong field (the service's own refusal put
under the same fields), the threshold the shop's orders give today in a sentence, the e-mail
previewed in each language with a sample code expiring in the shop's zone, a test send, and an
initiative's history and experiment in sentences. Real PostgreSQL and SMTP (aiosmtpd)."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from email.header import decode_header, make_header
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from app.admin import i18n
from app.admin.formats import moment
from app.admin.initiatives.forms import service_refusal
from app.commerce.models import Order
from app.db import utcnow
from app.errors import Unprocessable
from app.initiatives.models import Initiative, InitiativeAudit, InitiativeType
from app.initiatives.settings import validated
from app.integrations.events import OrderState
from tests.admin.test_initiatives import SHOP_EMAIL, shop_store, signed_in
from tests.fixtures.database import empty_all_tables
from tests.fixtures.mail import Inbox
from tests.initiatives.helpers import Store
from tests.initiatives.test_recovery import parts
from tests.initiatives.test_win_back import woo_shop
from tests.shops.test_access import login

WIN_BACK = InitiativeType.WIN_BACK


def read(page: str) -> str:
    """A page's text as a reader sees it: entities decoded, narrow and no-break spaces as
    spaces (Babel writes "15 %" and "12:16 PM" with them)."""
    return re.sub(r"[\u00a0\u202f]", " ", html.unescape(page))


@pytest.fixture
async def store(pg_engine: AsyncEngine, smtp_server: tuple[Inbox, int]) -> AsyncIterator[Store]:
    """The admin tests' store: a Shopify shop with its own e-mail and a real SMTP server."""
    inbox, port = smtp_server
    await empty_all_tables(pg_engine)
    async for made in shop_store(port, inbox):
        yield made
    await empty_all_tables(pg_engine)


def win_back_form(csrf: str, **fields: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "type": "win_back",
        "name": "Win back",
        "lapse_rule": "rhythm",
        "lapse_percentile": "80",
        "lapse_days": "",
        "max_lapse_days": "365",
        "cooldown_days": "90",
        "discount_kind": "percentage",
        "discount_value": "10",
        "code_expiry_days": "3",
        "steps": "1",
        "reminder_after_hours": "48",
        "send_hour": "10",
        "language": "en",
        **fields,
    }


async def test_a_win_back_from_the_german_form_keeps_every_setting(store: Store) -> None:
    csrf = await signed_in(store)
    client = store.connected.client

    page = await client.get("/admin/initiatives", params={"new": "win_back", "locale": "de"})
    assert page.status_code == 200
    assert 'name="type" value="win_back"' in page.text
    assert 'id="initiative-new-discount_value"' in page.text
    assert "Turn off Shopify" not in page.text  # the recovery's note only
    fields = {
        "name": "Zurückgewinnen", "lapse_rule": "fixed", "lapse_days": "45",
        "discount_kind": "fixed_amount", "discount_value": "12,50", "steps": "2",
        "reminder_after_hours": "36", "send_hour": "9", "language": "de", "cooldown_days": "60",
    }  # fmt: skip
    made = await client.post(
        "/admin/initiatives", params={"locale": "de"}, data=win_back_form(csrf, **fields)
    )

    assert made.status_code == 303, made.text
    [held] = await store.api("GET", "")
    assert (held["type"], held["status"], held["name"]) == ("win_back", "draft", "Zurückgewinnen")
    settings = held["settings"]
    assert settings["lapse_days"] == 45
    assert settings["cooldown_days"] == 60
    assert (settings["discount_kind"], Decimal(settings["discount_value"])) == (
        "fixed_amount",
        Decimal("12.50"),
    )
    assert (settings["steps"], settings["reminder_after_hours"]) == (2, 36)
    assert (settings["send_hour"], settings["language"]) == (9, "de")
    shown = await client.get(f"/admin/initiatives/{held['id']}", params={"locale": "de"})
    assert 'value="12,5"' in shown.text  # the amount as a German page writes it
    assert re.search(r'<option value="fixed" selected>', shown.text)

    # Back to the store's own rhythm: the fixed number is dropped, whatever the field holds.
    again = win_back_form(csrf, lapse_rule="rhythm", lapse_days="9999", name="Zurück")
    saved = await client.post(f"/admin/initiatives/{held['id']}", data=again)
    assert saved.status_code == 303, saved.text
    assert (await store.api("GET", f"/{held['id']}"))["settings"]["lapse_days"] is None


async def test_a_refused_win_back_form_names_each_field_in_the_pages_language(
    store: Store,
) -> None:
    csrf = await signed_in(store)
    wrong = {
        "lapse_rule": "fixed", "lapse_days": "400", "max_lapse_days": "365",
        "discount_value": "150", "steps": "2", "code_expiry_days": "1",
        "reminder_after_hours": "48", "send_hour": "24", "cooldown_days": "sieben",
    }  # fmt: skip

    answer = await store.connected.client.post(
        "/admin/initiatives", params={"locale": "es"}, data=win_back_form(csrf, **wrong)
    )

    assert answer.status_code == 422
    html = answer.text
    for field in ("lapse_days", "discount_value", "reminder_after_hours", "send_hour"):
        assert f'id="initiative-new-{field}-error"' in html, field
    assert 'id="initiative-new-cooldown_days-error"' in html
    assert 'value="sieben"' in html  # as typed
    assert 'name="type" value="win_back"' in html  # the win-back's form comes back
    assert "Elige un número entero de 0 a 23." in html
    untyped = {k: v for k, v in win_back_form(csrf).items() if k != "type"}
    unknown = await store.connected.client.post("/admin/initiatives", data=untyped)
    assert unknown.status_code == 422
    assert "Elige el tipo de iniciativa que quieres crear." in unknown.text  # still in Spanish
    assert await store.api("GET", "") == []  # nothing half-saved


def test_the_services_own_refusal_goes_under_the_forms_fields() -> None:
    with i18n.speaking("de"):
        with pytest.raises(Unprocessable) as out_of_range:
            validated(WIN_BACK, {"send_hour": 30})
        assert service_refusal(out_of_range.value, WIN_BACK).errors == {
            "send_hour": "Wähle eine ganze Zahl von 0 bis 23."
        }
        with pytest.raises(Unprocessable) as incoherent:
            validated(WIN_BACK, {"discount_value": 150})  # a percentage above 100
        errors = service_refusal(incoherent.value, WIN_BACK).errors
    assert errors == {
        "_form": "Diese Einstellungen passen nicht zusammen: Prüfe den Rabatt, die längste "
        "Abwesenheit und wann die Erinnerung verschickt wird."
    }  # said in the page's language, not the service's English


async def test_the_form_says_the_threshold_the_shops_own_orders_give_today(store: Store) -> None:
    await signed_in(store)
    client = store.connected.client

    empty = await client.get("/admin/initiatives", params={"new": "win_back"})
    assert (
        "Your store's orders do not show a rhythm yet (0 times between a customer's orders in "
        "the last two years, 20 are needed): customers count as lapsed after 60 days"
    ) in read(empty.text)
    now = utcnow()
    async with store.runtime.transaction() as session:
        for n in range(25):  # customer n ordered twice, 10 + n days apart: 80th pct 29.2 days
            for placed in (now - timedelta(days=100), now - timedelta(days=90 - n)):
                session.add(
                    Order(
                        shop_id=store.shop_id, platform_id=uuid.uuid4().hex[:20], name="#1",
                        placed_at=placed, platform_updated_at=placed, state=OrderState.OPEN,
                        currency="EUR", gross=Decimal(10), discounts=Decimal(0),
                        shipping=Decimal(0), tax=Decimal(0), total=Decimal(10),
                        current_total=Decimal(10), customer_key=f"id:{n}",
                    )
                )  # fmt: skip

    derived = await client.get("/admin/initiatives", params={"new": "win_back"})
    assert (
        "Today your store's own rhythm gives 30 days: 80% of the customers who ordered again "
        "did so within that time (from 25 times between orders in the last two years)."
    ) in read(derived.text)


async def test_the_win_back_preview_shows_a_sample_code_expiring_in_the_shops_zone(
    store: Store,
) -> None:
    csrf = await signed_in(store)
    settings = {"discount_value": 15, "code_expiry_days": 3, "steps": 2}
    made = await store.api("POST", "", 201, type="win_back", name="Win back", settings=settings)
    client = store.connected.client
    url = f"/admin/initiatives/{made['id']}/preview"
    zone = ZoneInfo((await client.get("/api/v1/shop", headers=store.auth)).json()["timezone"])

    first = await client.get(url, params={"language": "de"})
    expires = (utcnow() + timedelta(days=3)).astimezone(zone)

    assert first.status_code == 200
    assert "Ein Geschenk zu deiner Rückkehr: 15 % Rabatt" in read(first.text)
    assert "BACK-SAMPLE" in first.text
    assert format_date(expires, "long", locale="de") in first.text  # the shop's day
    assert f" {expires.tzname()}" in first.text
    reminder = await client.get(url, params={"language": "es", "step": "2"})
    assert "Tu 15 % de descuento termina pronto" in read(reminder.text)
    assert 'aria-current="page">Reminder' in reminder.text
    sent = await client.post(
        f"/admin/initiatives/{made['id']}/test-send",
        data={"csrf_token": csrf, "language": "es", "step": "2"},
    )
    assert sent.status_code == 303
    [message] = store.inbox.messages
    assert message["To"] == SHOP_EMAIL
    subject = str(make_header(decode_header(str(message["Subject"]))))
    assert "Tu 15 % de descuento termina pronto" in read(subject)
    text, _html = parts(message)
    assert "BACK-SAMPLE" in text
    assert await store.sends() == []  # not marketing


async def test_the_page_tells_the_history_and_the_experiment_in_sentences(store: Store) -> None:
    csrf = await signed_in(store)
    client = store.connected.client
    made = await client.post("/admin/initiatives", data=win_back_form(csrf))
    initiative = made.headers["location"].split("/")[-1].split("?")[0]
    await client.post(f"/admin/initiatives/{initiative}", data=win_back_form(csrf, name="Back"))
    await client.post(
        f"/admin/initiatives/{initiative}/toggle", data={"on": "1", "csrf_token": csrf}
    )
    page = await client.get(f"/admin/initiatives/{initiative}")
    assert "No one is held out: everyone eligible receives the e-mails" in page.text

    variants = [{"key": "plain", "weight": 1}, {"key": "bold", "weight": 1}]
    await store.api("PATCH", f"/{initiative}", variants=variants, holdout_share=0.1)
    page = await client.get(f"/admin/initiatives/{initiative}")

    rows = re.findall(r'<tr data-testid="audit">(.*?)</tr>', page.text, re.S)
    said = [re.sub(r"\s+", " ", read(re.sub(r"<[^>]+>", " ", row))).strip() for row in rows]
    assert "An app through the API Changed the variants, the share held out." in said[0]
    assert "Someone in this admin Switched it on." in said[1]
    assert "Someone in this admin Changed the name (from “Win back” to “Back”)." in said[2]
    assert "Someone in this admin Created it as a draft." in said[3]
    async with store.runtime.transaction() as session:
        audited = await session.exec(
            select(InitiativeAudit.at).order_by(col(InitiativeAudit.id)).limit(1)
        )
        created_at = audited.one()
    zone = (await client.get("/api/v1/shop", headers=store.auth)).json()["timezone"]
    assert said[3].startswith(read(moment(created_at, zone, "short")))  # the shop's clock
    assert "10% of eligible customers are held out" in read(page.text)
    assert "Variant “plain”: 45% of eligible customers" in read(page.text)
    assert "Variant “bold”: 45% of eligible customers" in read(page.text)


async def test_a_woocommerce_shop_chooses_its_consent_rule_and_shopify_never_sees_it(
    store: Store,
) -> None:
    await signed_in(store)
    new = {"new": "win_back"}
    shopify_form = await store.connected.client.get("/admin/initiatives", params=new)
    assert 'name="woocommerce_consent"' not in shopify_form.text
    woo = await woo_shop(store)
    csrf = (await login(store.connected, woo))["X-CSRF-Token"]
    client = store.connected.client

    page = await client.get("/admin/initiatives", params=new)
    assert 'name="woocommerce_consent"' in page.text
    made = await client.post(
        "/admin/initiatives", data=win_back_form(csrf, woocommerce_consent="not_required")
    )

    assert made.status_code == 303, made.text
    async with store.runtime.transaction() as session:
        held = await session.exec(select(Initiative).where(Initiative.shop_id == woo))
        assert held.one().settings["woocommerce_consent"] == "not_required"
