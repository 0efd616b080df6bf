"""`GET /api/v1/events`: the shop's live changes as server-sent events."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from app.auth.stream_tokens import LiveShopDep
from app.deps import RuntimeDep
from app.live.broadcast import Subscription
from app.live.follow_ups import for_kind
from app.live.messages import LiveMessage, shop_channel
from app.runtime import Runtime

router = APIRouter(prefix="/api/v1", tags=["live"])

HEARTBEAT_S = 15.0  # keeps proxies from closing an idle stream, and notices gone clients
RETRY_MS = 3000  # how soon a browser reconnects after a drop
BURST_S = 0.05  # messages this close together are answered with one round of follow-ups
STOP_CHECK_S = 0.5  # how often a quiet stream looks whether the process is stopping

logger = logging.getLogger(__name__)


@router.get("/events", response_class=StreamingResponse)
async def events(shop: LiveShopDep, runtime: RuntimeDep) -> StreamingResponse:
    """Server-sent events for this shop only: one `data:` line of JSON per change (signed in as
    anywhere else, or with the `stream_token` an embedded Shopify admin page is given)."""
    assert shop.id is not None
    return stream_response(shop_stream(runtime, shop.id))


def stream_response(
    stream: AsyncIterator[str], headers: dict[str, str] | None = None
) -> StreamingResponse:
    """An event stream as a response that no cache or proxy holds back."""
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", **(headers or {})}
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)


# (runtime, shop id, a burst of messages) → the `data:` texts to send for it.
Answer = Callable[[Runtime, int, list[str]], Awaitable[list[str]]]


async def everything(runtime: Runtime, shop_id: int, burst: list[str]) -> list[str]:
    """The shop's own admin hears each message as it is, and the follow-ups it calls for."""
    return burst + await _follow_ups(runtime, shop_id, burst)


async def shop_stream(
    runtime: Runtime, shop_id: int, answer: Answer = everything
) -> AsyncGenerator[str, None]:
    """One shop's changes as server-sent events, each burst told as `answer` says (a share
    link's viewers hear less than the shop's admin). It ends when the process is stopping."""
    async with runtime.broadcaster.subscribe(shop_channel(shop_id)) as subscription:
        yield f"retry: {RETRY_MS}\n: connected\n\n"
        sequence = 0
        while not runtime.stopping.is_set():
            message = await _next_or_heartbeat(subscription, runtime.stopping)
            if runtime.stopping.is_set():
                return
            if message is None:
                yield ": heartbeat\n\n"
                continue
            burst = [message, *await _rest_of_burst(subscription)]
            texts = await answer(runtime, shop_id, burst)
            if not texts:
                # Nothing to tell, but the stream still shows life (and whoever wraps it,
                # e.g. a share link's revocation check, gets its turn) however busy the shop.
                yield ": heartbeat\n\n"
            for text in texts:
                sequence += 1
                yield f"id: {sequence}\nevent: change\ndata: {text}\n\n"


async def _next_or_heartbeat(subscription: Subscription, stopping: asyncio.Event) -> str | None:
    """The next message, or None once a heartbeat is due or the process is stopping. It waits
    in short slices: a stream's wait, cancelled from outside, could leave the subscription's
    connection mid-read, so stopping is looked at rather than raced."""
    waited = 0.0
    while waited < HEARTBEAT_S and not stopping.is_set():
        message = await subscription.next(min(STOP_CHECK_S, HEARTBEAT_S - waited))
        if message is not None:
            return message
        waited += STOP_CHECK_S
    return None


async def _rest_of_burst(subscription: Subscription) -> list[str]:
    """Messages that arrived with the first (one commit often sends several)."""
    rest = []
    while (message := await subscription.next(BURST_S)) is not None:
        rest.append(message)
    return rest


async def _follow_ups(runtime: Runtime, shop_id: int, burst: list[str]) -> list[str]:
    kinds = {json.loads(message).get("kind") for message in burst}
    texts = []
    for kind in sorted(k for k in kinds if isinstance(k, str)):
        for follow_up in for_kind(kind):
            try:
                extra = await follow_up(runtime, shop_id)
            except Exception as error:  # a follow-up is a convenience; the stream goes on
                logger.warning("live follow-up for shop %s failed: %r", shop_id, error)
                continue
            if extra is not None:
                texts.append(LiveMessage(shop_id, *extra).encode())
    return texts
