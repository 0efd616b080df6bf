"""`GET /api/v1/events`: the shop's live changes as server-sent events."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from app.auth.dependencies import ShopDep
from app.deps import RuntimeDep
from app.live.broadcast import Broadcaster
from app.live.messages import shop_channel

router = APIRouter(prefix="/api/v1", tags=["live"])

HEARTBEAT_S = 15.0  # keeps proxies from closing an idle stream, and notices gone clients
RETRY_MS = 3000  # how soon a browser reconnects after a drop


@router.get("/events", response_class=StreamingResponse)
async def events(shop: ShopDep, runtime: RuntimeDep) -> StreamingResponse:
    """Server-sent events for this shop only: one `data:` line of JSON per change."""
    assert shop.id is not None
    stream = _stream(runtime.broadcaster, shop_channel(shop.id))
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)


async def _stream(broadcaster: Broadcaster, channel: str) -> AsyncIterator[str]:
    async with broadcaster.subscribe(channel) as subscription:
        yield f"retry: {RETRY_MS}\n: connected\n\n"
        sequence = 0
        while True:
            message = await subscription.next(HEARTBEAT_S)
            if message is None:
                yield ": heartbeat\n\n"
                continue
            sequence += 1
            yield f"id: {sequence}\nevent: change\ndata: {message}\n\n"
