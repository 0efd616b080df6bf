"""The Operations page reads as a merchant needs it (#22): webhooks a page at a time, a failure
said in a sentence with what to do and a reference — no exception name, customer's e-mail
address or SQL (ARCHITECTURE rule 15) — while the JSON API, which the reference links to,
keeps the stored error whole."""

from __future__ import annotations

import re
from datetime import timedelta

from app.admin import i18n
from app.admin.operations.failures import what_went_wrong
from app.db import utcnow
from app.integrations.platforms import Platform
from app.shops.models import Shop
from app.webhooks.models import EventStatus, WebhookEvent
from tests.admin.test_embedding import SHOP as EMBEDDED_SHOP
from tests.admin.test_embedding import embedded_load
from tests.fixtures.platforms import session_token
from tests.fixtures.stores import Connected
from tests.shops.test_access import login
from tests.webhooks.helpers import install

STORE = "https://failures.example"
SQL_ERROR = (
    "IntegrityError: (sqlalchemy.dialects.postgresql.asyncpg.IntegrityError) <class "
    "'asyncpg.exceptions.UniqueViolationError'>: duplicate key value violates unique constraint "
    '"uq_customers_shop_id_email"\nDETAIL:  Key (shop_id, email)=(1, ana.garcia@example.com) '
    "already exists.\n[SQL: INSERT INTO customers (shop_id, email, phone) VALUES ($1::INTEGER, "
    "$2::VARCHAR, $3::VARCHAR)]\n[parameters: (1, 'ana.garcia@example.com', '+34 612 345 678')]\n"
    "(Background on this error at: https://sqlalche.me/e/20/gkpj)"
)


def test_a_database_error_is_said_without_its_exception_name_sql_or_personal_data() -> None:
    i18n.use("en")
    told = what_went_wrong(SQL_ERROR)

    assert told.startswith("The database did not store it: retry;")
    for hidden in ("IntegrityError", "uq_customers", "ana.garcia", "612 345", "INSERT INTO"):
        assert hidden not in told, hidden


def test_each_kind_of_failure_has_its_sentence_in_the_pages_language() -> None:
    i18n.use("de")
    currency = what_went_wrong("NormalisationError: order in GBP, the store's currency is EUR")
    network = what_went_wrong("ConnectTimeout: timed out")
    unreadable = what_went_wrong("KeyError: 'line_items'")
    unknown = what_went_wrong("RuntimeError: something new")

    assert currency.startswith("Die Bestellung ist in GBP, dieser Shop ist aber auf EUR")
    assert network.startswith("Der Shop war nicht rechtzeitig erreichbar")
    assert unreadable.startswith("Die Daten des Shops ließen sich nicht so lesen")
    assert unknown.startswith("Es konnte nicht verarbeitet werden")
    assert "RuntimeError" not in unknown
    i18n.use("en")


async def add_deliveries(connected: Connected, shop: Shop, count: int) -> None:
    """`count` deliveries a minute apart, the newest one failed with `SQL_ERROR`."""
    now = utcnow()
    async with connected.app.state.runtime.transaction() as session:
        for number in range(count):
            newest = number == count - 1
            session.add(
                WebhookEvent(
                    shop_id=shop.id or 0, delivery_id=f"delivery-{number}",
                    topic="customer.updated", payload="{}",
                    status=EventStatus.FAILED if newest else EventStatus.HANDLED,
                    attempts=1, last_error=SQL_ERROR if newest else None,
                    received_at=now - timedelta(minutes=count - number),
                    handled_at=None if newest else now - timedelta(minutes=count - number),
                )
            )  # fmt: skip


def rows(html: str) -> list[str]:
    return re.findall(r'<tr id="event-\d+".*?</tr>', html, re.S)


async def test_the_page_is_paged_and_a_failure_shows_no_personal_data_or_sql(
    connected: Connected,
) -> None:
    shop = await install(connected, STORE, Platform.WOOCOMMERCE)
    await add_deliveries(connected, shop, 30)
    await login(connected, shop.id or 0)

    first = await connected.client.get("/admin/operations")
    second = await connected.client.get("/admin/operations?page=2")
    beyond = await connected.client.get("/admin/operations?page=9")
    api = await connected.client.get("/api/v1/webhook-events?status=failed")

    assert first.status_code == second.status_code == beyond.status_code == 200
    assert len(rows(first.text)) == 25
    assert len(rows(second.text)) == 5
    assert rows(beyond.text) == rows(second.text)  # past the end: the last page
    assert 'href="?page=2" rel="next"' in first.text
    assert 'href="?page=1" rel="prev"' in second.text
    assert "Page 1 of 2" in first.text
    failed = rows(first.text)[0]  # newest first
    assert "The database did not store it" in failed
    event_id = re.search(r'data-event="(\d+)"', failed)
    assert event_id is not None
    reference = f'Reference:\n  <a href="/api/v1/webhook-events/{event_id[1]}">'
    assert reference in failed
    assert f"webhook delivery {event_id[1]}</a>" in failed
    for page in (first.text, second.text):
        for hidden in ("IntegrityError", "@example.com", "INSERT INTO", "<details"):
            assert hidden not in page, hidden
    [stored] = [event for event in api.json() if event["status"] == "failed"]
    assert stored["last_error"] == SQL_ERROR  # the API keeps it whole for operators
    # The reference's link, opened with the admin's own sign-in, shows the whole error.
    one = await connected.client.get(f"/api/v1/webhook-events/{event_id[1]}")
    assert one.status_code == 200
    assert one.json()["last_error"] == SQL_ERROR


async def test_inside_shopify_the_reference_stands_without_a_link(connected: Connected) -> None:
    # A plain link inside the Shopify admin carries no session token: the API would refuse it.
    shop = await install(connected, EMBEDDED_SHOP)
    await add_deliveries(connected, shop, 1)

    page = await connected.client.get(
        "/admin/operations", params=embedded_load(session_token(EMBEDDED_SHOP))
    )

    assert page.status_code == 200
    [failed] = rows(page.text)
    assert re.search(r"Reference:\s+webhook delivery \d+</p>", failed)
    assert "/api/v1/webhook-events/" not in failed
