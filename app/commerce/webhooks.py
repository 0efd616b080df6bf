"""Commerce topics: normalise the payload, apply its events to the mirror."""

from __future__ import annotations

from typing import Any

from app.commerce.ingest import ingest
from app.integrations import normalizers
from app.integrations.clients import client_for
from app.live.publish import publish_after_commit
from app.shops import service as shops
from app.shops.models import Shop
from app.worker import JobContext


async def handle(ctx: JobContext, shop: Shop, topic: str, payload: dict[str, Any]) -> None:
    events = normalizers.normalise(shop.platform.value, topic, payload, shop.currency)
    runtime = ctx.runtime
    await ingest(
        ctx.session,
        shop,
        events,
        lambda: client_for(shops.connection_for(runtime, shop), runtime.http, runtime.settings),
    )
    assert shop.id is not None
    # What the mirror now holds differently; the metrics layer will add what it moved.
    changed = sorted({type(event).__name__ for event in events})
    publish_after_commit(ctx.session, shop.id, "mirror", {"topic": topic, "events": changed})
