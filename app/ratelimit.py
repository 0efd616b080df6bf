"""Rate limits on the public endpoints: above a per-minute budget, 429 with `Retry-After`.

A budget is a bucket (which endpoints) and a key (a client address, or a shop for its webhooks),
counted in fixed one-minute windows: one INCR per request, at the price of letting up to twice
the limit through across a window's edge, which is enough for what a limit is here (keeping a
flood of connect attempts, login-link guesses or webhook replays off the database). The counts
are in Redis when the app has one, so that every process shares them, else in this process's
memory (the embedded default). When Redis fails, the counts move to this process's memory for
a while, with a warning: a limit must never take the endpoint it guards down with it.

The client address is the one the server saw. Behind a reverse proxy, uvicorn (`proxy_headers`,
on in `storeokr serve`) replaces it with the proxy's `X-Forwarded-For` only when the proxy's
own address is in `FORWARDED_ALLOW_IPS` (default: loopback); a forwarded header from anyone
else is never believed, or any client could name a fresh address for every request."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from fastapi import Request
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.config import Settings
from app.errors import AppError

logger = logging.getLogger(__name__)

WINDOW_S = 60
REDIS_PAUSE_S = 30.0  # after a Redis failure, count in memory this long before trying it again
REDIS_PREFIX = "storeokr:ratelimit"
UNSIGNED_WEBHOOKS = "webhook-unsigned"  # failed signatures, per client address
SHOP_WEBHOOKS = "webhook-shop"  # verified deliveries, per shop

Clock = Callable[[], float]


class TooManyRequests(AppError):
    status_code = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int, page: bool = False) -> None:
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = retry_after  # seconds, for the Retry-After header
        self.page = page  # asked for by a browser as a page: answered with a sentence


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the current window ends


class Counts(Protocol):
    async def add(self, key: str, window: int) -> int:
        """Count one more for `key` in `window`; the count so far, this one included."""

    async def get(self, key: str, window: int) -> int:
        """The count for `key` in `window`."""


class MemoryCounts:
    """This process's counts, for the current window only: a new window drops the old one's,
    so memory holds at most a minute's worth of keys."""

    def __init__(self) -> None:
        self._window = -1
        self._counts: dict[str, int] = {}

    async def add(self, key: str, window: int) -> int:
        counts = self._in(window)
        counts[key] = counts.get(key, 0) + 1
        return counts[key]

    async def get(self, key: str, window: int) -> int:
        return self._in(window).get(key, 0)

    def _in(self, window: int) -> dict[str, int]:
        if window != self._window:
            self._window, self._counts = window, {}
        return self._counts


class RedisCounts:
    """Counts every process shares: a key per budget and window, expiring after two windows."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def add(self, key: str, window: int) -> int:
        name = _redis_key(key, window)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, 2 * WINDOW_S)
            count, _ = await pipe.execute()
        return int(count)

    async def get(self, key: str, window: int) -> int:
        return int(await self._redis.get(_redis_key(key, window)) or 0)


def _redis_key(key: str, window: int) -> str:
    return f"{REDIS_PREFIX}:{window}:{key}"


class FailOpenCounts:
    """Redis's counts; while Redis is failing, this process's own (and a warning), so that a
    Redis outage neither refuses requests nor makes each one wait for a connection timeout."""

    def __init__(self, redis: Counts, clock: Clock) -> None:
        self._redis, self._memory, self._clock = redis, MemoryCounts(), clock
        self._redis_paused_until = 0.0

    async def add(self, key: str, window: int) -> int:
        return await self._count(lambda counts: counts.add(key, window))

    async def get(self, key: str, window: int) -> int:
        return await self._count(lambda counts: counts.get(key, window))

    async def _count(self, count: Callable[[Counts], Awaitable[int]]) -> int:
        if self._clock() >= self._redis_paused_until:
            try:
                return await count(self._redis)
            except (RedisError, OSError) as error:
                self._redis_paused_until = self._clock() + REDIS_PAUSE_S
                logger.warning(
                    "rate limits counted in this process for %.0f s: Redis failed (%r)",
                    REDIS_PAUSE_S,
                    error,
                )
        return await count(self._memory)


class Limiter:
    """Budgets of requests per key and minute."""

    def __init__(self, counts: Counts, clock: Clock = time.time) -> None:
        self._counts, self._clock = counts, clock

    @classmethod
    def open(cls, redis: Redis | None, clock: Clock = time.time) -> Limiter:
        """Counts in Redis when the app has it (shared by every process), else in memory."""
        counts = FailOpenCounts(RedisCounts(redis), clock) if redis is not None else MemoryCounts()
        return cls(counts, clock)

    async def take(self, bucket: str, key: str, limit: int) -> Verdict:
        """Count this request; allowed while the window's count is within `limit` (0: none)."""
        if limit <= 0:
            return Verdict(True, 0)
        window, retry_after = self._window()
        count = await self._counts.add(f"{bucket}:{key}", window)
        return Verdict(count <= limit, retry_after)

    async def check(self, bucket: str, key: str, limit: int) -> Verdict:
        """Whether the budget has room left, without counting this request."""
        if limit <= 0:
            return Verdict(True, 0)
        window, retry_after = self._window()
        count = await self._counts.get(f"{bucket}:{key}", window)
        return Verdict(count < limit, retry_after)

    def _window(self) -> tuple[int, int]:
        now = self._clock()
        window = int(now // WINDOW_S)
        return window, max(1, math.ceil((window + 1) * WINDOW_S - now))


@dataclass(frozen=True)
class PublicRoutes:
    """Routes anyone may call without signing in, counted per client address: `prefix` ends
    with "/" for every route below it, else names one path."""

    prefix: str
    bucket: str
    page: bool = False  # a browser page: a 429 reads as a sentence
    # Paths below the prefix that are not counted: a live page's own refreshes, which follow
    # the store's pace (one per live update), not a visitor's.
    uncounted_suffix: str | None = None

    def match(self, path: str) -> bool:
        if self.uncounted_suffix and path.endswith(self.uncounted_suffix):
            return False
        return path.startswith(self.prefix) if self.prefix.endswith("/") else path == self.prefix


PUBLIC_ROUTES = (
    PublicRoutes("/auth/woocommerce/", "woocommerce-connect"),
    PublicRoutes("/auth/shopify/", "shopify-install"),
    PublicRoutes("/auth/login", "login-link"),
    PublicRoutes("/share/", "share", page=True, uncounted_suffix="/scorecard"),
    PublicRoutes("/u/", "unsubscribe", page=True),
    # Marketing e-mails' open pixel and click redirects (`app.messaging.tracking`): a pixel
    # refused here is an open not recorded, nothing more.
    PublicRoutes("/m/o/", "email-open"),
    PublicRoutes("/m/c/", "email-click", page=True),
    # Survey pages and score links (`app.initiatives.surveys.page`).
    PublicRoutes("/s/", "survey-page", page=True),
    # The storefront survey widget's script and calls (`app.initiatives.surveys.widget`).
    PublicRoutes("/w/", "survey-widget"),
    # Recovery e-mails' cart links (`app.initiatives.cart_links`).
    PublicRoutes("/r/", "cart-link", page=True),
)


def public_routes_of(path: str) -> PublicRoutes | None:
    return next((routes for routes in PUBLIC_ROUTES if routes.match(path)), None)


async def limit_public_routes(request: Request) -> None:
    """An app-wide dependency: a request to a public route counts against its client address's
    budget for those routes; above it, 429 before the route does anything."""
    routes = public_routes_of(request.url.path)
    if routes is None:
        return
    limit = _settings(request).public_rate_limit_per_minute
    verdict = await limiter_of(request).take(routes.bucket, client_address(request), limit)
    refuse_above_limit(
        verdict,
        "too many requests from this address: wait a minute before trying again",
        page=routes.page,
    )


async def refuse_unsigned_flood(request: Request) -> None:
    """429 for a client address whose webhooks failed verification too often this minute,
    before its next one costs a signature check and a shop lookup."""
    limit = _settings(request).public_rate_limit_per_minute
    verdict = await limiter_of(request).check(UNSIGNED_WEBHOOKS, client_address(request), limit)
    refuse_above_limit(verdict, "too many unverified webhooks from this address: wait a minute")


async def count_unsigned(request: Request) -> None:
    """Count a webhook that failed verification against its client address (never against the
    shop it named: anyone can name any shop)."""
    limit = _settings(request).public_rate_limit_per_minute
    await limiter_of(request).take(UNSIGNED_WEBHOOKS, client_address(request), limit)


async def limit_shop_webhooks(request: Request, shop_id: int) -> None:
    """Count a verified delivery against its shop's budget; above it, 429 (nothing stored, and
    the platform delivers it again later)."""
    limit = _settings(request).webhook_rate_limit_per_minute
    verdict = await limiter_of(request).take(SHOP_WEBHOOKS, str(shop_id), limit)
    refuse_above_limit(
        verdict, "too many webhooks for this shop this minute: deliver it again later"
    )


def refuse_above_limit(verdict: Verdict, message: str, *, page: bool = False) -> None:
    """429 with `message` when the budget is spent."""
    if not verdict.allowed:
        raise TooManyRequests(message, retry_after=verdict.retry_after, page=page)


def client_address(request: Request) -> str:
    """The address the server saw (a trusted proxy's forwarded one: see the module's text)."""
    return request.client.host if request.client else "unknown"


def limiter_of(request: Request) -> Limiter:
    limiter: Limiter = request.app.state.limiter
    return limiter


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.runtime.settings
    return settings
