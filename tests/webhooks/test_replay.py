"""Replayed webhooks: a captured Shopify delivery is refused once older than the window (or
dated ahead of our clock), the inbox keeps one row per delivery id, and a replayed WooCommerce
body — which carries no signed time — changes neither the mirror nor the metrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from app.db import utcnow
from app.integrations.platforms import Platform
from app.webhooks.models import WebhookEvent
from app.webhooks.service import CLOCK_SKEW, StaleDelivery, refuse_stale
from tests.fixtures.app import finish_jobs
from tests.fixtures.payloads import payload
from tests.fixtures.stores import Connected
from tests.fixtures.webhooks import shopify_delivery, woocommerce_delivery
from tests.shops.helpers import count_rows
from tests.webhooks.helpers import WOO_SECRET, install

SHOP = "replay-shop.myshopify.com"
STORE = "https://store.example"
DAY = timedelta(days=1)
WINDOW = timedelta(hours=48)  # the default webhook_max_age_seconds
# What a replay would change: the mirror and every rollup the metrics read.
MIRROR_AND_METRICS = (
    "orders",
    "order_lines",
    "refunds",
    "customers",
    "checkouts",
    "sales_rollups",
    "customer_rollups",
    "checkout_rollups",
    "customer_day_rollups",
    "customer_previous_rollups",
)


async def post_shopify(connected: Connected, headers: dict[str, str], body: bytes) -> Any:
    return await connected.client.post("/webhooks/shopify", headers=headers, content=body)


async def post_woo(connected: Connected, headers: dict[str, str], body: bytes) -> Any:
    return await connected.client.post("/webhooks/woocommerce", headers=headers, content=body)


@pytest.mark.parametrize(
    "age",
    [timedelta(seconds=5), timedelta(hours=4), DAY, WINDOW - timedelta(minutes=5)],
    ids=["fresh", "shopify-last-retry", "a-day-late", "just-inside-the-window"],
)
async def test_delivery_triggered_within_the_window_is_accepted(
    connected: Connected, age: timedelta
) -> None:
    await install(connected, SHOP)
    headers, body = shopify_delivery(SHOP, "orders/create", {"id": 1}, triggered_at=utcnow() - age)

    response = await post_shopify(connected, headers, body)

    assert response.status_code == 200
    assert response.json() == {"status": "accepted"}


@pytest.mark.parametrize(
    "age",
    [WINDOW + timedelta(minutes=1), timedelta(days=365)],
    ids=["just-outside-the-window", "a-year-old"],
)
async def test_captured_delivery_replayed_after_the_window_is_400_and_stores_nothing(
    connected: Connected, pg_engine: AsyncEngine, age: timedelta
) -> None:
    await install(connected, SHOP)
    triggered = utcnow() - age
    headers, body = shopify_delivery(SHOP, "app/uninstalled", {"id": 1}, triggered_at=triggered)
    # The attacker's copy: the same signed body and time, under a delivery id never seen.
    replayed = {**headers, "X-Shopify-Webhook-Id": "made-up-delivery-id"}

    responses = [await post_shopify(connected, h, body) for h in (headers, replayed)]

    assert [r.status_code for r in responses] == [400, 400]
    assert {r.json()["error"]["code"] for r in responses} == {"stale_delivery"}
    assert await count_rows(pg_engine, "webhook_events") == 0


async def test_delivery_dated_ahead_of_our_clock_is_400_and_stores_nothing(
    connected: Connected, pg_engine: AsyncEngine
) -> None:
    await install(connected, SHOP)
    ahead = utcnow() + CLOCK_SKEW + timedelta(minutes=1)
    headers, body = shopify_delivery(SHOP, "app/uninstalled", {"id": 1}, triggered_at=ahead)

    response = await post_shopify(connected, headers, body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "stale_delivery"
    assert await count_rows(pg_engine, "webhook_events") == 0


async def test_small_clock_skew_is_allowed(connected: Connected) -> None:
    await install(connected, SHOP)
    ahead = utcnow() + CLOCK_SKEW - timedelta(minutes=1)
    headers, body = shopify_delivery(SHOP, "orders/create", {"id": 1}, triggered_at=ahead)

    assert (await post_shopify(connected, headers, body)).status_code == 200


@pytest.mark.parametrize("value", [None, "", "yesterday", "2026-13-45T99:00:00Z"])
async def test_delivery_without_a_readable_trigger_time_is_400_and_stores_nothing(
    connected: Connected, pg_engine: AsyncEngine, value: str | None
) -> None:
    await install(connected, SHOP)
    headers, body = shopify_delivery(SHOP, "app/uninstalled", {"id": 1})
    if value is None:
        del headers["X-Shopify-Triggered-At"]
    else:
        headers["X-Shopify-Triggered-At"] = value

    response = await post_shopify(connected, headers, body)

    assert response.status_code == 400
    assert "X-Shopify-Triggered-At" in response.json()["error"]["message"]
    assert await count_rows(pg_engine, "webhook_events") == 0


async def test_shopifys_own_time_format_is_read_and_kept(connected: Connected) -> None:
    """Shopify writes nanoseconds and a Z (its documentation's example)."""
    await install(connected, SHOP)
    moment = utcnow().replace(microsecond=142838) - timedelta(minutes=3)
    headers, body = shopify_delivery(SHOP, "orders/create", {"id": 1})
    headers["X-Shopify-Triggered-At"] = moment.strftime("%Y-%m-%dT%H:%M:%S.%f316Z")

    assert (await post_shopify(connected, headers, body)).status_code == 200
    async with connected.app.state.runtime.transaction() as session:
        stored = (await session.exec(select(WebhookEvent.triggered_at))).one()
    assert stored == moment


async def test_unsigned_delivery_is_401_whatever_its_time(
    connected: Connected, pg_engine: AsyncEngine
) -> None:
    """Verification comes first: the time is looked at only once the body is known to be the
    platform's."""
    await install(connected, SHOP)
    old = utcnow() - timedelta(days=30)
    headers, body = shopify_delivery(SHOP, "app/uninstalled", {}, secret="guess", triggered_at=old)

    assert (await post_shopify(connected, headers, body)).status_code == 401
    assert await count_rows(pg_engine, "webhook_events") == 0


@pytest.mark.parametrize(
    ("age", "refused"),
    [
        (WINDOW - timedelta(seconds=1), False),
        (WINDOW + timedelta(seconds=1), True),
        (-CLOCK_SKEW + timedelta(seconds=1), False),
        (-CLOCK_SKEW - timedelta(seconds=1), True),
    ],
)
def test_window_edges(age: timedelta, refused: bool) -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    if refused:
        with pytest.raises(StaleDelivery):
            refuse_stale(now - age, now, WINDOW)
    else:
        refuse_stale(now - age, now, WINDOW)


async def test_replayed_woocommerce_delivery_is_stored_once_and_counted_once(
    connected: Connected, pg_engine: AsyncEngine
) -> None:
    await install(connected, STORE, Platform.WOOCOMMERCE)
    headers, body = woocommerce_delivery(
        STORE, "order.created", payload("woocommerce_order"), secret=WOO_SECRET
    )
    first = await post_woo(connected, headers, body)
    await finish_jobs(connected.app)
    counted = await mirror_and_metrics(pg_engine)

    replays = [await post_woo(connected, headers, body) for _ in range(3)]
    await finish_jobs(connected.app)

    assert first.json() == {"status": "accepted"}
    assert [r.json() for r in replays] == [{"status": "duplicate"}] * 3
    assert await count_rows(pg_engine, "webhook_events") == 1
    assert await count_rows(pg_engine, "orders") == 1
    assert await mirror_and_metrics(pg_engine) == counted


async def test_replayed_woocommerce_body_under_a_new_delivery_id_changes_nothing(
    connected: Connected, pg_engine: AsyncEngine
) -> None:
    """The attacker's replay: an older captured update, signed, sent again under a made-up
    delivery id after a newer one was applied. It is stored (nothing tells it apart) but the
    mirror keeps the newest state and the metrics count nothing twice."""
    await install(connected, STORE, Platform.WOOCOMMERCE)
    connected.woocommerce.refunds["4180"] = [payload("woocommerce_refund")]
    older = woocommerce_delivery(
        STORE, "order.created", payload("woocommerce_order"), secret=WOO_SECRET
    )
    newer = woocommerce_delivery(
        STORE, "order.updated", payload("woocommerce_order_refunded"), secret=WOO_SECRET
    )
    for headers, body in (older, newer):
        assert (await post_woo(connected, headers, body)).status_code == 200
        await finish_jobs(connected.app)
    held = await mirror_and_metrics(pg_engine)
    assert held["refunds"]  # the newer state, counted
    assert held["sales_rollups"]

    for headers, body in (older, newer):
        again = {**headers, "X-WC-Webhook-Delivery-ID": f"replay-{headers['X-WC-Webhook-Topic']}"}
        assert (await post_woo(connected, again, body)).json() == {"status": "accepted"}
        await finish_jobs(connected.app)

    assert await count_rows(pg_engine, "webhook_events") == 4
    assert await mirror_and_metrics(pg_engine) == held


async def mirror_and_metrics(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the mirror and the rollups, in a stable order."""
    async with engine.connect() as connection:
        return {
            table: sorted(
                (tuple(row) for row in await connection.execute(text(f'SELECT * FROM "{table}"'))),
                key=repr,
            )
            for table in MIRROR_AND_METRICS
        }
