"""What a share link opens: the shop's dashboard, read-only and live, for anyone holding the
link. Only GET routes live under /share; they set no session and accept none, render no form
and link nowhere into the admin. `?tv=1` fills a wall screen.

Every refusal (a bad, altered, expired or revoked token) is the same 404."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from app.admin.live_stream import shop_stream, stream_response
from app.admin.rendering import render
from app.deps import RuntimeDep, SessionDep
from app.errors import NotFound
from app.okr.scorecard import current_scorecard
from app.okr.service import today_for
from app.runtime import Runtime
from app.sharing import links

router = APIRouter(include_in_schema=False)

# No referrer leaks the token to sites the page links to or loads from; no search engine or
# shared cache keeps a page that may be revoked.
SHARE_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
}
RECHECK_S = 15.0  # how often an open stream asks whether its link was revoked
# The kinds of change that move the scorecard. A link's viewer hears only that it moved (what
# app/admin/static/live.js needs to fetch it again): never which topic, metric, day or key
# result, nor any value beyond what the page itself shows.
MOVES_SCORECARD = frozenset({"metrics", "key_results"})
PING = json.dumps({"kind": "key_results"})


@router.get("/share/{token}", response_class=HTMLResponse)
async def shared_dashboard(
    request: Request, token: str, session: SessionDep, runtime: RuntimeDep, tv: bool = False
) -> HTMLResponse:
    """The dashboard read-only (`?tv=1`: full screen, large type, no chrome)."""
    try:
        opened = await links.open_token(session, runtime.settings, token)
    except NotFound:
        return _answer(render(request, "share_missing.html", _read_only({}), status_code=404))
    card = await current_scorecard(session, opened.link.shop_id, today_for(opened.shop))
    context = {
        "shop": opened.shop,
        "card": card,
        "tv": tv,
        "share_path": f"/share/{token}",
    }
    return _answer(render(request, "shared.html", _read_only(context)))


@router.get("/share/{token}/scorecard", response_class=HTMLResponse)
async def shared_scorecard(
    request: Request, token: str, session: SessionDep, runtime: RuntimeDep
) -> HTMLResponse:
    """The scorecard alone: the shared page swaps it in when its stream says it moved."""
    opened = await links.open_token(session, runtime.settings, token)
    card = await current_scorecard(session, opened.link.shop_id, today_for(opened.shop))
    context = {"shop": opened.shop, "card": card}
    return _answer(render(request, "_scorecard.html", _read_only(context)))


@router.get("/share/{token}/events", response_class=StreamingResponse)
async def shared_events(token: str, session: SessionDep, runtime: RuntimeDep) -> StreamingResponse:
    """A content-free ping whenever the shop's scorecard moves, until the link is revoked or
    expires."""
    opened = await links.open_token(session, runtime.settings, token)
    stream = shop_stream(runtime, opened.link.shop_id, pings)
    return stream_response(while_open(runtime, opened.link.id or 0, stream), SHARE_HEADERS)


async def pings(_runtime: Runtime, _shop_id: int, burst: list[str]) -> list[str]:
    """One content-free ping for a burst that moves the scorecard, however many messages it
    holds; nothing for any other (an order mirrored before its metrics are counted, say)."""
    moved = any(json.loads(message).get("kind") in MOVES_SCORECARD for message in burst)
    return [PING] if moved else []


async def while_open(
    runtime: Runtime, link_id: int, stream: AsyncGenerator[str, None]
) -> AsyncIterator[str]:
    """The stream, ended once the link stops being active. It is asked between events (a
    heartbeat comes at least every 15 s), at most every RECHECK_S; the browser's reconnect
    then gets the 404."""
    checked = time.monotonic()
    async with aclosing(stream):
        async for chunk in stream:
            if time.monotonic() - checked >= RECHECK_S:
                async with runtime.transaction() as session:
                    if not await links.still_open(session, link_id):
                        return
                checked = time.monotonic()
            yield chunk


def _read_only(context: dict[str, Any]) -> dict[str, Any]:
    # No CSRF token on the page even when the viewer is also signed in to the admin, and no
    # key result linked into it.
    return {**context, "csrf_token": None, "kr_links": False}


def _answer(response: HTMLResponse) -> HTMLResponse:
    response.headers.update(SHARE_HEADERS)
    return response
