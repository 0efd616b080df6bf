"""The Operations page: the store connection, webhooks as they arrived (a failed one with its
error and a Retry that works for its own shop only, under the CSRF token), and how far the
store syncs have read — times in the shop's own time zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from app.admin import i18n
from app.admin.formats import moment
from app.commerce.models import StoreSync, SyncKind, SyncStatus
from app.db import utcnow
from app.ingest.sync import sync_store
from app.integrations.platforms import Platform
from app.operations import service as operations
from app.shops import repository
from app.shops.models import Shop
from app.webhooks.models import EventStatus, WebhookEvent
from tests.fixtures.app import finish_jobs
from tests.fixtures.payloads import payload
from tests.fixtures.stores import Connected
from tests.fixtures.webhooks import woocommerce_delivery
from tests.shops.test_access import login
from tests.webhooks.helpers import WOO_SECRET, install

STORE = "https://store.example"  # the fake WooCommerce store; it sells in GBP
OTHER_SHOP = "other.myshopify.com"


async def set_currency(connected: Connected, shop: Shop, currency: str) -> None:
    async with connected.app.state.runtime.transaction() as session:
        held = await repository.get_shop(session, shop.id or 0)
        assert held is not None
        held.currency = currency


async def deliver(connected: Connected, topic: str, body: str) -> None:
    headers, content = woocommerce_delivery(STORE, topic, payload(body), secret=WOO_SECRET)
    answer = await connected.client.post("/webhooks/woocommerce", headers=headers, content=content)
    assert answer.status_code == 200
    await finish_jobs(connected.app)


async def shop_with_a_failed_order_webhook(connected: Connected) -> tuple[Shop, WebhookEvent]:
    """A WooCommerce shop whose currency is wrong (EUR for a GBP store), so an order webhook
    fails; a customer webhook is handled all the same."""
    shop = await install(connected, STORE, Platform.WOOCOMMERCE)
    await set_currency(connected, shop, "EUR")
    await deliver(connected, "customer.created", "woocommerce_customer")
    await deliver(connected, "order.created", "woocommerce_order")
    async with connected.app.state.runtime.transaction() as session:
        [failed] = await operations.recent_events(session, shop.id or 0, EventStatus.FAILED)
    return shop, failed


def row(html: str, event_id: int | None) -> str:
    match = re.search(rf'<tr id="event-{event_id}".*?</tr>', html, re.DOTALL)
    assert match is not None, f"no row for event {event_id}"
    return match.group(0)


async def test_the_page_shows_the_connection_and_webhooks_with_a_failures_error(
    connected: Connected,
) -> None:
    shop, failed = await shop_with_a_failed_order_webhook(connected)
    await login(connected, shop.id or 0)

    page = await connected.client.get("/admin/operations")

    assert page.status_code == 200
    assert 'aria-current="page">Operations' in page.text
    failed_row = row(page.text, failed.id)
    assert "order.created" in failed_row
    assert "Failed" in failed_row
    assert "GBP" in failed_row  # the error says what is wrong
    assert f'hx-post="/admin/operations/webhooks/{failed.id}/retry"' in failed_row
    handled_row = re.search(
        r'<tr id="event-\d+"[^>]*data-status="handled".*?</tr>', page.text, re.S
    )
    assert handled_row is not None
    assert "customer.created" in handled_row.group(0)
    assert "Retry" not in handled_row.group(0)
    # The connection: platform, store, scopes, and the last delivery in the shop's own clock.
    assert "WooCommerce" in page.text
    assert STORE in page.text
    assert "Read orders" in page.text  # the scope read_orders, in words
    i18n.use("en")
    assert moment(failed.received_at, "Europe/London") in page.text
    assert "1 handled · 0 queued · 1 failed · 0 ignored" in page.text


async def test_retry_queues_a_failed_webhook_and_it_is_handled_once_the_cause_is_fixed(
    connected: Connected,
) -> None:
    shop, failed = await shop_with_a_failed_order_webhook(connected)
    csrf = await login(connected, shop.id or 0)
    await set_currency(connected, shop, "GBP")  # the fix

    retried = await connected.client.post(
        f"/admin/operations/webhooks/{failed.id}/retry", headers=csrf
    )

    assert retried.status_code == 200
    assert retried.text.lstrip().startswith(f'<tr id="event-{failed.id}"')  # htmx swaps the row
    assert 'data-status="pending"' in retried.text
    assert "Queued" in retried.text
    assert "Retry" not in retried.text
    await finish_jobs(connected.app)
    page = await connected.client.get("/admin/operations")
    assert 'data-status="handled"' in row(page.text, failed.id)
    again = await connected.client.post(
        f"/admin/operations/webhooks/{failed.id}/retry", headers=csrf
    )
    assert again.status_code == 409


async def test_another_shops_webhook_cannot_be_retried(connected: Connected) -> None:
    _shop, failed = await shop_with_a_failed_order_webhook(connected)
    other = await install(connected, OTHER_SHOP)
    csrf = await login(connected, other.id or 0)

    answer = await connected.client.post(
        f"/admin/operations/webhooks/{failed.id}/retry", headers=csrf
    )

    assert answer.status_code == 404
    await assert_still_failed(connected, failed)


async def test_retry_needs_the_pages_csrf_token(connected: Connected) -> None:
    shop, failed = await shop_with_a_failed_order_webhook(connected)
    await login(connected, shop.id or 0)

    answer = await connected.client.post(f"/admin/operations/webhooks/{failed.id}/retry")

    assert answer.status_code == 403
    await assert_still_failed(connected, failed)


async def assert_still_failed(connected: Connected, event: WebhookEvent) -> None:
    async with connected.app.state.runtime.transaction() as session:
        [still] = await operations.recent_events(session, event.shop_id, EventStatus.FAILED)
    assert (still.id, still.attempts, still.last_error) == (
        event.id,
        event.attempts,
        event.last_error,
    )


async def test_sync_progress_has_a_bar_and_says_how_far_it_read(connected: Connected) -> None:
    shop = await install(connected, STORE, Platform.WOOCOMMERCE)
    done = await sync_store(connected.app.state.runtime, shop.id or 0, SyncKind.RECONCILE, utcnow())
    async with connected.app.state.runtime.transaction() as session:
        running = StoreSync(
            shop_id=shop.id or 0,
            kind=SyncKind.BACKFILL,
            since=utcnow(),
            resource="orders",
            cursor="page-35",
            records=3400,
        )
        session.add(running)
    await login(connected, shop.id or 0)

    page = await connected.client.get("/admin/operations")

    assert page.status_code == 200
    assert done.status is SyncStatus.DONE
    assert f'<progress id="sync-{done.id}" max="3" value="3">' in page.text
    assert f"Done: {done.records} record" in page.text
    assert f'<progress id="sync-{running.id}" max="3" value="1">' in page.text
    assert "Reading orders (2 of 3): 3,400 records so far" in page.text
    assert f'<label for="sync-{running.id}">' in page.text  # the bar has its text label


def test_times_are_written_on_the_shops_clock_in_the_pages_language() -> None:
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    winter = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

    i18n.use("de")
    assert moment(summer, "Europe/Berlin") == "01.07.2026, 14:00:00"  # CEST, UTC+2
    assert moment(winter, "Europe/Berlin") == "01.12.2026, 13:00:00"  # CET, UTC+1
    i18n.use("en")
    assert moment(summer, "America/New_York") == "Jul 1, 2026, 8:00:00\u202fAM"
    assert moment(None, "UTC") == "—"
