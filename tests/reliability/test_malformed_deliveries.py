"""Malformed deliveries (tests/reliability/malformed.py, drawn by hypothesis) through the real
endpoint and the worker, between good orders of another shop: each malformed one is stored,
then handled or parked as failed at its first attempt with an error that names what is wrong;
the worker stays up and every good order is handled and counted once.

CI draws a fixed set (derandomized); `STOREOKR_FUZZ_DELIVERIES=400` draws more."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.integrations.platforms import Platform
from app.webhooks.models import EventStatus, WebhookEvent
from tests.fixtures.app import finish_jobs
from tests.fixtures.stores import WOO_STORE, Connected
from tests.fixtures.webhooks import shopify_delivery, woocommerce_delivery
from tests.reliability.deliveries import Delivery, post, shopify_orders
from tests.reliability.ledger import Tally, tally
from tests.reliability.malformed import malformed_delivery
from tests.webhooks.helpers import WOO_SECRET, install

DELIVERIES = int(os.environ.get("STOREOKR_FUZZ_DELIVERIES", "60"))
BROKEN_SHOP = "broken-plugin.myshopify.com"
STEADY_SHOP = "steady.myshopify.com"


def signed(platform: str, topic: str, body: dict[str, Any]) -> Delivery:
    if platform == "shopify":
        headers, raw = shopify_delivery(BROKEN_SHOP, topic, body)
        return Delivery(headers["X-Shopify-Webhook-Id"], headers, raw)
    headers, raw = woocommerce_delivery(WOO_STORE, topic, body, secret=WOO_SECRET)
    return Delivery(headers["X-WC-Webhook-Delivery-ID"], headers, raw, "/webhooks/woocommerce")


async def outcomes(engine: AsyncEngine, shop_ids: list[int]) -> list[WebhookEvent]:
    async with AsyncSession(engine) as session:
        statement = select(WebhookEvent).where(col(WebhookEvent.shop_id).in_(shop_ids))
        return list((await session.exec(statement)).all())


async def test_malformed_deliveries_are_parked_with_their_error_and_block_nothing(
    connected: Connected, pg_engine: AsyncEngine, ledger: list[Tally]
) -> None:
    broken = [await install(connected, BROKEN_SHOP)]
    broken.append(await install(connected, WOO_STORE, Platform.WOOCOMMERCE))
    steady = await install(connected, STEADY_SHOP)
    good = shopify_orders(STEADY_SHOP, DELIVERIES + 1, first_id=50_000)
    loop = asyncio.get_running_loop()
    sent: list[int] = []

    def send(delivery: Delivery) -> int:
        answer = asyncio.run_coroutine_threadsafe(post(connected.client, delivery), loop)
        return answer.result(timeout=120)

    @settings(
        max_examples=DELIVERIES,
        derandomize=True,  # the same deliveries every run
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    @given(drawn=malformed_delivery())
    def deliver(drawn: tuple[str, str, dict[str, Any]]) -> None:
        assert send(signed(*drawn)) == 200  # stored: what it holds is the worker's concern
        assert send(good[len(sent)]) == 200
        sent.append(1)

    await asyncio.to_thread(deliver)
    await finish_jobs(connected.app)
    # The worker is still at work: a delivery after all of them is handled like any other.
    assert await post(connected.client, good[len(sent)]) == 200
    await finish_jobs(connected.app)

    events = await outcomes(pg_engine, [shop.id or 0 for shop in broken])
    assert len(events) == len(sent)
    parked = [event for event in events if event.status is EventStatus.FAILED]
    assert {event.status for event in events} <= {EventStatus.HANDLED, EventStatus.FAILED}
    for event in parked:
        assert event.attempts == 1, (event.attempts, event.last_error)  # not retried in vain
        assert (event.last_error or "").startswith("NormalisationError: "), event.last_error
    assert parked, "the drawn deliveries should hold some the readers refuse"

    result = await tally(
        pg_engine, steady.id or 0, "Malformed deliveries between good ones", sent=len(sent) + 1
    )
    ledger.append(result)
    result.assert_nothing_lost_or_doubled()
