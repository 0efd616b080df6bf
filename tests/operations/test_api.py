"""The operations API: failed deliveries with their errors, a retry once the cause is fixed,
and the progress of store syncs."""

from __future__ import annotations

from app.commerce.models import StoreSync, SyncKind, SyncStatus
from app.db import utcnow
from app.ingest.sync import sync_store
from app.integrations.platforms import Platform
from app.shops import repository
from app.webhooks.models import EventStatus, WebhookEvent
from tests.fixtures.app import finish_jobs
from tests.fixtures.payloads import payload
from tests.fixtures.stores import Connected
from tests.fixtures.webhooks import woocommerce_delivery
from tests.shops.test_access import login
from tests.webhooks.helpers import WOO_SECRET, install

STORE = "https://store.example"
OTHER_STORE = "https://other.store.example"


async def test_failed_event_is_shown_with_its_error_and_retried_after_the_fix(
    connected: Connected,
) -> None:
    shop = await install(connected, STORE, Platform.WOOCOMMERCE)
    async with connected.app.state.runtime.transaction() as session:
        held = await repository.get_shop(session, shop.id or 0)
        assert held is not None
        held.currency = "EUR"  # wrong: the store sells in GBP, so its orders cannot be read
    headers, body = woocommerce_delivery(
        STORE, "order.created", payload("woocommerce_order"), secret=WOO_SECRET
    )
    await connected.client.post("/webhooks/woocommerce", headers=headers, content=body)
    await finish_jobs(connected.app)
    auth = await login(connected, shop.id or 0)

    [failed] = (
        await connected.client.get("/api/v1/webhook-events?status=failed", headers=auth)
    ).json()
    assert "GBP" in failed["last_error"]
    async with connected.app.state.runtime.transaction() as session:
        fixed = await repository.get_shop(session, shop.id or 0)
        assert fixed is not None
        fixed.currency = "GBP"
    retried = await connected.client.post(
        f"/api/v1/webhook-events/{failed['id']}/retry", headers=auth
    )
    await finish_jobs(connected.app)

    assert retried.status_code == 202
    [event] = (await connected.client.get("/api/v1/webhook-events", headers=auth)).json()
    assert event["status"] == "handled"
    again = await connected.client.post(
        f"/api/v1/webhook-events/{failed['id']}/retry", headers=auth
    )
    assert again.status_code == 409


async def test_sync_progress_is_listed(connected: Connected) -> None:
    shop = await install(connected, STORE, Platform.WOOCOMMERCE)
    await sync_store(connected.app.state.runtime, shop.id or 0, SyncKind.RECONCILE, utcnow())
    auth = await login(connected, shop.id or 0)
    [sync] = (await connected.client.get("/api/v1/syncs", headers=auth)).json()
    assert (sync["kind"], sync["status"]) == ("reconcile", "done")


async def test_one_event_and_one_sync_are_read_with_their_whole_error_in_their_shop_only(
    connected: Connected,
) -> None:
    # The Operations page's references ("webhook delivery 12", "store sync 3") link here.
    shop = await install(connected, STORE, Platform.WOOCOMMERCE)
    other = await install(connected, OTHER_STORE, Platform.WOOCOMMERCE)
    error = "IntegrityError: duplicate key value violates unique constraint"
    async with connected.app.state.runtime.transaction() as session:
        event = WebhookEvent(shop_id=shop.id or 0, delivery_id="d-1", topic="order.created",
                             payload="{}", status=EventStatus.FAILED, attempts=5,
                             last_error=error)  # fmt: skip
        sync = StoreSync(shop_id=shop.id or 0, kind=SyncKind.BACKFILL, since=utcnow(),
                         status=SyncStatus.FAILED, error=error)  # fmt: skip
        session.add_all([event, sync])
    await login(connected, shop.id or 0)
    one_event = await connected.client.get(f"/api/v1/webhook-events/{event.id}")
    one_sync = await connected.client.get(f"/api/v1/syncs/{sync.id}")
    await login(connected, other.id or 0)  # the browser now acts for the other shop
    not_theirs = [
        await connected.client.get(f"/api/v1/webhook-events/{event.id}"),
        await connected.client.get(f"/api/v1/syncs/{sync.id}"),
    ]

    assert (one_event.status_code, one_event.json()["last_error"]) == (200, error)
    assert (one_sync.status_code, one_sync.json()["error"]) == (200, error)
    assert [answer.status_code for answer in not_theirs] == [404, 404]
