"""Retention: handled and ignored webhook bodies are emptied `webhook_body_retention_days` after
receipt; the rows and delivery ids stay (a late redelivery is still a duplicate), and events
still to be run (pending, failed) keep their bodies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import utcnow
from app.webhooks import service
from app.webhooks.models import EventStatus, WebhookEvent
from app.webhooks.repository import PRUNED_BODY
from app.webhooks.tasks import prune_bodies
from app.worker.execution import execute
from tests.fixtures.app import finish_jobs
from tests.fixtures.payloads import payload
from tests.fixtures.settings import make_settings
from tests.fixtures.stores import Connected
from tests.fixtures.webhooks import shopify_delivery
from tests.webhooks.helpers import install

SHOP = "retention.myshopify.com"


async def deliver(connected: Connected, order_id: int) -> tuple[dict[str, str], bytes]:
    order = {**payload("shopify_order"), "id": order_id, "name": f"#{order_id}"}
    headers, body = shopify_delivery(SHOP, "orders/create", order)
    answer = await connected.client.post("/webhooks/shopify", headers=headers, content=body)
    assert answer.json()["status"] == "accepted"
    return headers, body


async def set_event(engine: AsyncEngine, order_id: int, *, status: EventStatus, days: int) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            update(WebhookEvent)
            .where(col(WebhookEvent.payload).contains(f'"id": {order_id},'))
            .values(status=status, received_at=utcnow() - timedelta(days=days))
        )


async def bodies(engine: AsyncEngine) -> dict[str, str]:
    async with AsyncSession(engine) as session:
        events = (await session.exec(select(WebhookEvent))).all()
    return {e.delivery_id: e.payload for e in events}


async def test_old_handled_bodies_are_emptied_and_their_delivery_ids_kept(
    connected: Connected, pg_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "PRUNE_BATCH", 2)  # several batches
    await install(connected, SHOP)
    old_handled = [await deliver(connected, n) for n in (1, 2, 3)]
    recent = await deliver(connected, 4)
    old_failed = await deliver(connected, 5)
    old_pending = await deliver(connected, 6)
    old_ignored = await deliver(connected, 7)
    await finish_jobs(connected.app)
    retention = connected.settings.webhook_body_retention_days
    for order_id in (1, 2, 3):
        await set_event(pg_engine, order_id, status=EventStatus.HANDLED, days=retention + 1)
    await set_event(pg_engine, 4, status=EventStatus.HANDLED, days=retention - 1)
    await set_event(pg_engine, 5, status=EventStatus.FAILED, days=retention + 1)
    await set_event(pg_engine, 6, status=EventStatus.PENDING, days=retention + 1)
    await set_event(pg_engine, 7, status=EventStatus.IGNORED, days=retention + 1)
    before = await bodies(pg_engine)

    runtime = connected.app.state.runtime
    await execute(runtime, prune_bodies, (), {}, attempt=1, job_id=None)

    after = await bodies(pg_engine)
    assert set(after) == set(before)  # every row, with its delivery id, is still there
    emptied = {headers["X-Shopify-Webhook-Id"] for headers, _ in [*old_handled, old_ignored]}
    assert {d for d, body in after.items() if body == PRUNED_BODY} == emptied
    for kept in (recent, old_failed, old_pending):
        delivery_id = kept[0]["X-Shopify-Webhook-Id"]
        assert after[delivery_id] == before[delivery_id] == kept[1].decode()

    headers, body = old_handled[0]  # the platform sends it once more, late
    again = await connected.client.post("/webhooks/shopify", headers=headers, content=body)
    assert again.json()["status"] == "duplicate"


@pytest.mark.parametrize("days", ["0", "-3", "thirty"])
def test_a_retention_that_is_not_a_positive_number_of_days_is_refused(days: str) -> None:
    with pytest.raises(ValueError, match="webhook_body_retention_days"):
        make_settings(webhook_body_retention_days=days)
