"""Rate limits on the public endpoints: a budget per client address (per shop for verified
webhooks), 429 with Retry-After above it and nothing done; counted in memory or in Redis, and
never the reason an endpoint fails when Redis does."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import utcnow
from app.integrations.platforms import Platform
from app.ratelimit import WINDOW_S, Limiter, MemoryCounts, RedisCounts, Verdict
from app.tasks import registry
from app.worker.queue import connect_arq_redis
from tests.fixtures.app import own_task, running_app
from tests.fixtures.database import empty_all_tables
from tests.fixtures.platforms import FakeShopify, FakeWooCommerce, Platforms
from tests.fixtures.settings import REDIS_URL, UNREACHABLE_REDIS_URL
from tests.fixtures.stores import Connected, connection_settings
from tests.fixtures.webhooks import shopify_delivery, woocommerce_delivery
from tests.shops.helpers import count_rows
from tests.webhooks.helpers import WOO_SECRET, install

LIMIT = 3
SHOP = "limited.myshopify.com"
# Topics StoreOKR stores as ignored: a delivery is stored and answered, and no job runs on it.
SHOPIFY_TOPIC, WOO_TOPIC = "products/update", "product.updated"
STORE = "https://store.example"
ATTACKER, PLATFORM = "203.0.113.7", "198.51.100.20"  # documentation addresses


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# --- The limiter itself, over both stores of counts ------------------------------------------


@pytest.fixture(params=["memory", "redis"])
async def limiter_and_clock(
    request: pytest.FixtureRequest, redis: Redis
) -> AsyncIterator[tuple[Limiter, Clock]]:
    clock = Clock()
    if request.param == "memory":
        yield Limiter(MemoryCounts(), clock), clock
        return
    yield Limiter(RedisCounts(redis), clock), clock  # no fallback: Redis or a failure


async def test_budget_allows_the_limit_then_refuses_until_the_window_ends(
    limiter_and_clock: tuple[Limiter, Clock],
) -> None:
    limiter, clock = limiter_and_clock
    clock.now = 1_800_000_000.0 + 15.5  # 15.5 s into a window

    verdicts = [await limiter.take("login-link", "10.0.0.1", LIMIT) for _ in range(LIMIT + 2)]

    assert [v.allowed for v in verdicts] == [True] * LIMIT + [False, False]
    assert verdicts[-1].retry_after == 45  # what is left of the window, rounded up


async def test_a_new_window_starts_a_new_budget(limiter_and_clock: tuple[Limiter, Clock]) -> None:
    limiter, clock = limiter_and_clock
    for _ in range(LIMIT + 1):
        await limiter.take("share", "10.0.0.1", LIMIT)

    clock.now += WINDOW_S

    assert (await limiter.take("share", "10.0.0.1", LIMIT)).allowed


async def test_budgets_are_per_bucket_and_per_key(limiter_and_clock: tuple[Limiter, Clock]) -> None:
    limiter, _ = limiter_and_clock
    for _ in range(LIMIT + 1):
        await limiter.take("share", "10.0.0.1", LIMIT)

    assert not (await limiter.take("share", "10.0.0.1", LIMIT)).allowed
    assert (await limiter.take("share", "10.0.0.2", LIMIT)).allowed
    assert (await limiter.take("login-link", "10.0.0.1", LIMIT)).allowed


async def test_zero_turns_the_limit_off(limiter_and_clock: tuple[Limiter, Clock]) -> None:
    limiter, _ = limiter_and_clock
    verdicts = [await limiter.take("share", "10.0.0.1", 0) for _ in range(50)]
    assert all(v.allowed for v in verdicts)


async def test_check_does_not_count(limiter_and_clock: tuple[Limiter, Clock]) -> None:
    limiter, _ = limiter_and_clock
    for _ in range(LIMIT * 3):
        assert (await limiter.check("webhook-unsigned", "10.0.0.1", LIMIT)).allowed
    for _ in range(LIMIT):
        await limiter.take("webhook-unsigned", "10.0.0.1", LIMIT)
    assert not (await limiter.check("webhook-unsigned", "10.0.0.1", LIMIT)).allowed


async def test_processes_on_one_redis_share_the_budget(redis: Redis) -> None:
    clock = Clock()
    first, second = Limiter.open(redis, clock), Limiter.open(redis, clock)

    for _ in range(LIMIT):
        assert (await first.take("share", "10.0.0.1", LIMIT)).allowed

    assert not (await second.take("share", "10.0.0.1", LIMIT)).allowed
    [key] = await redis.keys("storeokr:ratelimit:*")
    assert 0 < await redis.ttl(key) <= 2 * WINDOW_S  # counts do not outlive their window


async def test_redis_failure_lets_requests_through_counted_in_memory_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    unreachable = connect_arq_redis(UNREACHABLE_REDIS_URL)
    limiter = Limiter.open(unreachable, Clock())
    try:
        with caplog.at_level(logging.WARNING, logger="app.ratelimit"):
            verdicts = [await limiter.take("share", "10.0.0.1", LIMIT) for _ in range(LIMIT + 1)]
    finally:
        await unreachable.aclose()

    assert [v.allowed for v in verdicts] == [True] * LIMIT + [False]  # this process's count
    warnings = [r for r in caplog.records if r.name == "app.ratelimit"]
    assert len(warnings) == 1  # Redis is not asked again for a while
    assert "Redis failed" in warnings[0].getMessage()


# --- The endpoints ---------------------------------------------------------------------------


@pytest.fixture(params=["memory", "redis"])
async def limited(
    request: pytest.FixtureRequest, pg_engine: AsyncEngine, redis: Redis
) -> AsyncIterator[Connected]:
    """The app with budgets of LIMIT a minute, counted in memory or in Redis."""
    await empty_all_tables(pg_engine)
    settings = connection_settings().model_copy(
        update={
            "public_rate_limit_per_minute": LIMIT,
            "webhook_rate_limit_per_minute": LIMIT,
            "redis_url": REDIS_URL if request.param == "redis" else "",
        }
    )
    shopify, woo = FakeShopify(), FakeWooCommerce()
    platforms = Platforms(shopify, woo, "store.example").transport()
    async with running_app(settings, registry, platforms=platforms) as (app, client):
        # A stopped clock: a test's requests all fall in one window, however slow the machine
        # (a window ending half-way would give a new budget and a flaky test).
        app.state.limiter = Limiter.open(app.state.runtime.redis, Clock())
        yield Connected(app, client, settings, shopify, woo)
    await empty_all_tables(pg_engine)


@asynccontextmanager
async def client_at(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client the server sees at `address`."""
    transport = httpx.ASGITransport(app=own_task(app), client=(address, 50_000))
    async with httpx.AsyncClient(transport=transport, base_url="http://storeokr.test") as client:
        yield client


PUBLIC = [
    ("GET", "/auth/woocommerce/connect?store_url=https://store.example"),
    ("POST", "/auth/woocommerce/callback"),
    ("GET", "/auth/woocommerce/return?user_id=1&success=1"),
    ("GET", f"/auth/shopify/install?shop={SHOP}"),
    ("GET", f"/auth/shopify/callback?shop={SHOP}&state=x&hmac=y"),
    ("GET", "/auth/login?token=not-a-link"),
]


@pytest.mark.parametrize(("method", "path"), PUBLIC)
async def test_public_route_above_the_limit_is_429_with_retry_after(
    limited: Connected, method: str, path: str
) -> None:
    answers = [await limited.client.request(method, path) for _ in range(LIMIT + 1)]

    assert all(a.status_code != 429 for a in answers[:LIMIT])
    refused = answers[-1]
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= WINDOW_S
    error = refused.json()["error"]
    assert error["code"] == "too_many_requests"
    assert error["details"]["retry_after"] == int(refused.headers["Retry-After"])


async def test_install_refused_by_the_limit_stores_nothing(
    limited: Connected, pg_engine: AsyncEngine
) -> None:
    for _ in range(LIMIT):
        started = await limited.client.get(f"/auth/shopify/install?shop={SHOP}")
        assert started.status_code == 303
    nonces = await count_rows(pg_engine, "auth_nonces")

    refused = await limited.client.get(f"/auth/shopify/install?shop={SHOP}")

    assert refused.status_code == 429
    assert await count_rows(pg_engine, "auth_nonces") == nonces == LIMIT


async def test_share_page_above_the_limit_reads_as_a_sentence(limited: Connected) -> None:
    for _ in range(LIMIT):
        await limited.client.get("/share/not-a-token")

    refused = await limited.client.get("/share/not-a-token", headers={"Accept-Language": "de"})

    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/html")
    assert 1 <= int(refused.headers["Retry-After"]) <= WINDOW_S
    assert refused.headers["Referrer-Policy"] == "no-referrer"  # the address is the link's key
    assert "Warte eine Minute" in refused.text
    assert "too_many_requests" not in refused.text


async def test_share_streams_are_limited_too(limited: Connected) -> None:
    answers = [await limited.client.get("/share/x/events") for _ in range(LIMIT + 1)]
    assert [a.status_code for a in answers] == [404] * LIMIT + [429]


async def test_a_live_share_pages_refreshes_are_not_counted(limited: Connected) -> None:
    # A wall screen fetches its scorecard on every live update: a busy store's pace, not a
    # visitor's. (A refresh still needs a valid signed token: a guess is a 404 at no cost.)
    refreshes = [await limited.client.get("/share/x/scorecard") for _ in range(LIMIT * 3)]
    assert {a.status_code for a in refreshes} == {404}
    assert (await limited.client.get("/share/x")).status_code == 404  # the page's own budget


async def test_each_client_address_has_its_own_budget(limited: Connected) -> None:
    async with (
        client_at(limited.app, ATTACKER) as attacker,
        client_at(limited.app, PLATFORM) as merchant,
    ):
        for _ in range(LIMIT + 1):
            await attacker.get("/auth/login?token=guess")
        assert (await attacker.get("/auth/login?token=guess")).status_code == 429
        assert (await merchant.get("/auth/login?token=mine")).status_code == 404


async def test_forwarded_for_header_does_not_buy_a_new_budget(limited: Connected) -> None:
    answers = [
        await limited.client.get("/auth/login?token=x", headers={"X-Forwarded-For": f"10.9.0.{n}"})
        for n in range(LIMIT + 1)
    ]
    assert answers[-1].status_code == 429


async def test_groups_of_routes_have_their_own_budgets(limited: Connected) -> None:
    for _ in range(LIMIT + 1):
        await limited.client.get("/auth/login?token=x")
    assert (await limited.client.get("/share/x")).status_code == 404


async def test_other_routes_are_not_counted(limited: Connected) -> None:
    answers = [await limited.client.get("/healthz") for _ in range(LIMIT * 3)]
    assert {a.status_code for a in answers} == {200}


# --- Webhooks: per shop once verified, per address while not ---------------------------------


async def post_shopify(client: httpx.AsyncClient, delivery: tuple[dict[str, str], bytes]) -> int:
    headers, body = delivery
    return (await client.post("/webhooks/shopify", headers=headers, content=body)).status_code


async def test_shop_webhooks_above_the_limit_are_429_and_not_stored(
    limited: Connected, pg_engine: AsyncEngine
) -> None:
    await install(limited, SHOP)
    statuses = [
        await post_shopify(limited.client, shopify_delivery(SHOP, SHOPIFY_TOPIC, {"id": n}))
        for n in range(LIMIT)
    ]
    headers, body = shopify_delivery(SHOP, SHOPIFY_TOPIC, {"id": 99})

    refused = await limited.client.post("/webhooks/shopify", headers=headers, content=body)

    assert statuses == [200] * LIMIT
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= WINDOW_S
    assert refused.json()["error"]["code"] == "too_many_requests"
    assert await count_rows(pg_engine, "webhook_events") == LIMIT


async def test_woocommerce_shop_webhooks_are_limited_per_shop(
    limited: Connected, pg_engine: AsyncEngine
) -> None:
    await install(limited, STORE, Platform.WOOCOMMERCE)
    statuses = []
    for n in range(LIMIT + 1):
        headers, body = woocommerce_delivery(STORE, WOO_TOPIC, {"id": n}, secret=WOO_SECRET)
        answer = await limited.client.post("/webhooks/woocommerce", headers=headers, content=body)
        statuses.append(answer.status_code)

    assert statuses == [200] * LIMIT + [429]
    assert await count_rows(pg_engine, "webhook_events") == LIMIT


async def test_unsigned_requests_naming_a_shop_do_not_spend_its_budget(
    limited: Connected, pg_engine: AsyncEngine
) -> None:
    await install(limited, SHOP)
    async with (
        client_at(limited.app, ATTACKER) as attacker,
        client_at(limited.app, PLATFORM) as shopify,
    ):
        forged = [
            await post_shopify(attacker, shopify_delivery(SHOP, "app/uninstalled", {}, secret="x"))
            for _ in range(LIMIT * 2)
        ]
        genuine = [
            await post_shopify(shopify, shopify_delivery(SHOP, SHOPIFY_TOPIC, {"id": n}))
            for n in range(LIMIT)
        ]

    assert forged == [401] * LIMIT + [429] * LIMIT  # the attacker's address is what is limited
    assert genuine == [200] * LIMIT
    assert await count_rows(pg_engine, "webhook_events") == LIMIT


async def test_stale_replays_do_not_spend_the_shops_budget(limited: Connected) -> None:
    await install(limited, SHOP)
    old = utcnow() - timedelta(days=5)
    replays = [
        await post_shopify(
            limited.client, shopify_delivery(SHOP, SHOPIFY_TOPIC, {}, triggered_at=old)
        )
        for _ in range(LIMIT * 2)
    ]
    fresh = [
        await post_shopify(limited.client, shopify_delivery(SHOP, SHOPIFY_TOPIC, {"id": n}))
        for n in range(LIMIT)
    ]

    assert replays == [400] * (LIMIT * 2)
    assert fresh == [200] * LIMIT


async def test_webhooks_are_answered_when_redis_is_down(
    pg_engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    """Jobs go to Redis after commit and the limit counts there: with Redis unreachable the
    delivery is still stored and answered (its job is re-queued later by the sweep)."""
    await empty_all_tables(pg_engine)
    settings = connection_settings().model_copy(
        update={"webhook_rate_limit_per_minute": LIMIT, "redis_url": UNREACHABLE_REDIS_URL}
    )
    async with running_app(settings, registry) as (app, client):
        connected = Connected(app, client, settings, FakeShopify(), FakeWooCommerce())
        await install(connected, SHOP)
        with caplog.at_level(logging.WARNING, logger="app.ratelimit"):
            status = await post_shopify(client, shopify_delivery(SHOP, SHOPIFY_TOPIC, {"id": 1}))
    stored = await count_rows(pg_engine, "webhook_events")
    await empty_all_tables(pg_engine)

    assert status == 200
    assert stored == 1
    assert any("Redis failed" in r.getMessage() for r in caplog.records)


async def test_a_delivery_its_cached_sender_verifies_skips_the_flood_guard(
    limited: Connected, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard (a Redis read) protects the shop look-up a forged delivery would cost; a
    delivery the cached secret verifies needs neither (bench/README.md, the dispatcher)."""
    await install(limited, SHOP)
    limiter: Limiter = limited.app.state.limiter
    checked: list[str] = []
    check = limiter.check

    async def noted(bucket: str, key: str, limit: int) -> Verdict:
        checked.append(bucket)
        return await check(bucket, key, limit)

    monkeypatch.setattr(limiter, "check", noted)
    statuses = [
        await post_shopify(limited.client, shopify_delivery(SHOP, SHOPIFY_TOPIC, {"id": n}))
        for n in range(LIMIT)
    ]

    assert statuses == [200] * LIMIT
    assert checked == ["webhook-unsigned"]  # the first only: its sender came from the database
