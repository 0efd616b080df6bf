"""Outbound calls to stores: the runtime's one httpx client, with retries and backoff.

Retried: connection errors, timeouts, 429 and 5xx, honouring `Retry-After`. A 401/403 is
`StoreUnauthorized` at once (uninstalled or revoked: retrying will not help)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from app.integrations.base import StoreUnauthorized, StoreUnavailable

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_ATTEMPTS = 4
BASE_DELAY_S = 0.5
MAX_DELAY_S = 30.0

Sleep = Callable[[float], Awaitable[None]]


async def send(
    http: httpx.AsyncClient,
    request: httpx.Request,
    *,
    attempts: int = MAX_ATTEMPTS,
    sleep: Sleep = asyncio.sleep,
) -> httpx.Response:
    """Send `request`, retrying what is worth retrying; return the final response."""
    for attempt in range(1, attempts + 1):
        last = attempt == attempts
        try:
            response = await http.send(request)
        except httpx.TransportError as error:
            if last:
                # Our words, not the error's: its text can carry the URL (with credentials
                # in a plain-http WooCommerce query) or tell an internal network's shape.
                raise StoreUnavailable(
                    f"{request.url.host} did not answer ({transport_failure(error)})"
                ) from error
            await sleep(backoff_delay(attempt))
            continue
        if response.status_code in (401, 403):
            raise StoreUnauthorized(
                f"{request.url.host} refused our credentials ({response.status_code})"
            )
        if response.status_code in RETRY_STATUSES and not last:
            delay = retry_after_seconds(response) or backoff_delay(attempt)
            logger.info(
                "%s answered %d; retrying in %.1fs", request.url.host, response.status_code, delay
            )
            await sleep(min(delay, MAX_DELAY_S))
            continue
        if response.status_code in RETRY_STATUSES:
            raise StoreUnavailable(
                f"{request.url.host} answered {response.status_code} after {attempts} attempts"
            )
        return response
    raise AssertionError("unreachable")


def status_reason(status: int) -> str:
    """A short reason of ours for a store's error status."""
    reasons = {
        400: "the request was refused as invalid",
        404: "nothing found at that address",
        405: "the store does not allow this request",
        409: "the store reported a conflict",
        410: "no longer there",
        422: "the store refused the values sent",
    }
    if status in reasons:
        return reasons[status]
    return "the store failed" if status >= 500 else "the store refused the request"


def transport_failure(error: httpx.TransportError) -> str:
    if isinstance(error, httpx.TimeoutException):
        return "timed out"
    if isinstance(error, httpx.ConnectError):
        return "could not connect"
    return "the connection failed"


def backoff_delay(attempt: int) -> float:
    return min(BASE_DELAY_S * (1 << (attempt - 1)), MAX_DELAY_S)


def retry_after_seconds(response: httpx.Response) -> float | None:
    """`Retry-After` in seconds, given as a number or an HTTP date; None when absent/invalid."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)
