"""Commerce topics: normalise the payload, apply its events to the mirror. Deliveries of one
shop waiting together are applied together (`webhooks.service.process`): their orders as one
batch, in one transaction."""

from __future__ import annotations

from typing import Any

from app.ingest.pipeline import ingest
from app.integrations.adapters import adapter_for
from app.integrations.clients import client_for
from app.integrations.events import CommerceEvent
from app.live.publish import publish_after_commit
from app.shops import service as shops
from app.shops.models import Shop
from app.worker import JobContext

Prepared = tuple[str, list[CommerceEvent]]  # a delivery's topic and its events


def prepare(shop: Shop, topic: str, payload: dict[str, Any]) -> Prepared:
    """The delivery's events (raises `NormalisationError` for a payload we cannot read)."""
    return topic, adapter_for(shop.platform).normalise(topic, payload, shop.currency)


async def apply_prepared(ctx: JobContext, shop: Shop, deliveries: list[Prepared]) -> None:
    """Apply deliveries' events in the order given, in the job's transaction."""
    runtime = ctx.runtime
    events = [event for _topic, delivered in deliveries for event in delivered]
    await ingest(
        ctx.session,
        shop,
        events,
        lambda: client_for(shops.connection_for(runtime, shop), runtime.http, runtime.settings),
    )
    assert shop.id is not None
    # What the mirror now holds differently; the metrics layer will add what it moved.
    topics = sorted({topic for topic, _events in deliveries})
    changed = sorted({type(event).__name__ for event in events})
    for topic in topics:
        publish_after_commit(ctx.session, shop.id, "mirror", {"topic": topic, "events": changed})
