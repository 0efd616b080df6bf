"""ASGI middleware (pure ASGI, so streaming responses such as SSE pass through untouched)."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.logs import MASKED_SHARE_PATH, request_id_var

logger = logging.getLogger("app.request")

REQUEST_ID_HEADER = "x-request-id"
# Accept a caller's id (a proxy's, say) only if it is short and plain, so it is safe in logs.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# A share link's token is a bearer secret (valid for up to a year) in the path itself: the logs
# keep where the request went, not the key that opened it.
_SECRET_IN_PATH = re.compile(r"^/share/[^/]+")
# A click redirect's token carries its destination: a checkout's recovery link, which opens
# the shopper's checkout.
_DESTINATION_IN_PATH = re.compile(r"^/m/c/.+")
MASKED_CLICK_PATH = "/m/c/…"


class RequestIdMiddleware:
    """Give every request an id (the caller's `X-Request-ID` if sane), put it in the logs and
    the response headers, and log one line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Answered here rather than by Starlette's outermost error middleware, so that the
            # 500 carries the request id (header and body) and is logged with it.
            logger.exception("unhandled error")
            if status:
                raise
            await _send_internal_error(send_with_id, request_id)
        finally:
            logger.info(
                "%s %s %d",
                scope["method"],
                loggable_path(scope["path"]),
                status,
                extra={
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1e3, 1),
                },
            )
            request_id_var.reset(token)


class SecurityHeadersMiddleware:
    """Headers every answer should carry: no content sniffing, and for HTML pages a referrer
    policy and a framing policy. A page that already says who may frame it (an embedded page:
    its own shop's admin, see app/admin/embedding/app_bridge.py) keeps its word; every other
    page may be framed by nobody (clickjacking)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = with_security_headers(list(message.get("headers", [])), path)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def with_security_headers(
    headers: list[tuple[bytes, bytes]], path: str
) -> list[tuple[bytes, bytes]]:
    """`headers` with what SecurityHeadersMiddleware adds; a header the answer set stays."""
    present = {name.lower(): value for name, value in headers}
    added = [(b"x-content-type-options", b"nosniff")]
    if present.get(b"content-type", b"").startswith(b"text/html"):
        added.append((b"referrer-policy", _referrer_policy(path)))
        if b"frame-ancestors" not in present.get(b"content-security-policy", b""):
            added += [
                (b"content-security-policy", b"frame-ancestors 'none'"),
                (b"x-frame-options", b"DENY"),
            ]
    return headers + [(name, value) for name, value in added if name not in present]


def _referrer_policy(path: str) -> bytes:
    # A share page's address is its key: no Referer at all, even to ourselves. Elsewhere other
    # sites learn our origin only (embedded loads carry a session token in their query).
    return b"no-referrer" if _SECRET_IN_PATH.match(path) else b"strict-origin-when-cross-origin"


def loggable_path(path: str) -> str:
    """The request path as the logs may keep it: any secret in it masked."""
    path = _DESTINATION_IN_PATH.sub(MASKED_CLICK_PATH, path, count=1)
    return _SECRET_IN_PATH.sub(MASKED_SHARE_PATH, path, count=1)


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER.encode():
            candidate = value.decode("latin-1")
            return candidate if _SAFE_REQUEST_ID.match(candidate) else None
    return None


async def _send_internal_error(send: Send, request_id: str) -> None:
    body = json.dumps(
        {
            "error": {
                "code": "internal_error",
                "message": f"an internal error occurred (request id {request_id})",
                "details": {},
            }
        }
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body})
