"""Deliveries of one shop waiting together are applied in one job's transaction: each once,
the newest state winning, the rollups exact; one its platform's reader refuses is parked by
the burst, at once."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.models import Order
from app.integrations.events import OrderState
from app.metrics.rebuild import differences
from app.runtime import Runtime
from app.webhooks import repository
from app.webhooks.models import EventStatus, WebhookEvent
from app.webhooks.tasks import process_event
from app.worker.execution import execute
from tests.fixtures.payloads import payload
from tests.fixtures.stores import Connected
from tests.webhooks.helpers import install

SHOP = "burst.myshopify.com"


def order(order_id: int, updated_at: str = "2026-11-23T10:00:00+01:00") -> dict[str, Any]:
    body = payload("shopify_order")
    body["id"], body["name"], body["updated_at"] = order_id, f"#{order_id}", updated_at
    return body


def unreadable() -> dict[str, Any]:
    """An order in another currency without its money bags: `NormalisationError`."""
    body = payload("shopify_order_two_currencies")
    for key in [k for k in body if k.endswith("_set")]:
        del body[key]
    body["currency"] = "USD"
    return body


async def store(runtime: Runtime, shop_id: int, topic: str, body: dict[str, Any]) -> int:
    async with runtime.transaction() as session:
        event = WebhookEvent(
            shop_id=shop_id,
            delivery_id=f"{topic}-{body['id']}-{body.get('updated_at')}",
            topic=topic,
            payload=json.dumps(body),
        )
        event_id = await repository.store_delivery(session, event.model_dump(exclude={"id"}))
        assert event_id is not None
        return event_id


async def run(runtime: Runtime, event_id: int) -> None:
    await execute(runtime, process_event, (event_id,), {}, attempt=1, job_id=None)


async def statuses(engine: AsyncEngine) -> list[EventStatus]:
    async with AsyncSession(engine) as session:
        statement = select(WebhookEvent.status).order_by(col(WebhookEvent.id))
        return [EventStatus(status) for status in (await session.exec(statement)).all()]


async def test_waiting_deliveries_are_applied_together_once(
    connected: Connected, pg_engine: AsyncEngine
) -> None:
    shop = await install(connected, SHOP)
    runtime: Runtime = connected.app.state.runtime
    newer = order(7001, updated_at="2026-11-23T12:00:00+01:00")
    newer["cancelled_at"] = "2026-11-23T11:30:00+01:00"
    ids = [
        await store(runtime, shop.id or 0, "orders/updated", newer),
        await store(runtime, shop.id or 0, "orders/create", order(7001)),  # older, late
        await store(runtime, shop.id or 0, "orders/create", order(7002)),
        await store(runtime, shop.id or 0, "orders/create", unreadable()),
        await store(runtime, shop.id or 0, "orders/create", order(7003)),
    ]

    await run(runtime, ids[2])  # one job: its event and the others waiting

    # The unreadable one is parked by the burst itself (its own job may have run already).
    failed, handled = EventStatus.FAILED, EventStatus.HANDLED
    assert await statuses(pg_engine) == [handled, handled, handled, failed, handled]
    async with AsyncSession(pg_engine) as session:
        held = {o.platform_id: o for o in (await session.exec(select(Order))).all()}
        assert sorted(held) == ["7001", "7002", "7003"]
        assert held["7001"].state is OrderState.CANCELLED  # the newest state won
        assert await differences(session, shop.id or 0) == []

    for event_id in ids:  # their own jobs: nothing left to do
        await run(runtime, event_id)
    assert await statuses(pg_engine) == [handled, handled, handled, failed, handled]
    async with AsyncSession(pg_engine) as session:
        assert len((await session.exec(select(Order))).all()) == 3
        assert await differences(session, shop.id or 0) == []
