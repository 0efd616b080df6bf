"""Volume: deliveries with 30 % duplicates (the platform sending one again), in shuffled order
(an order's edit before its creation), sent concurrently: every distinct delivery is stored and
handled once, every order counted once, and the live rollups equal what `storeokr metrics
rebuild` recomputes from the mirror. The suite runs a quick form; `STOREOKR_SOAK_DELIVERIES=10000`
runs the full one (README, Reliability)."""

from __future__ import annotations

import json
import os
import random
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.metrics.models import SalesDay
from app.metrics.rebuild import rebuild
from tests.fixtures.app import finish_jobs
from tests.fixtures.payloads import payload
from tests.fixtures.stores import Connected
from tests.fixtures.webhooks import shopify_delivery
from tests.reliability.deliveries import Delivery, send_all
from tests.reliability.ledger import Tally, tally
from tests.webhooks.helpers import install

SHOP = "volume.myshopify.com"
DELIVERIES = int(os.environ.get("STOREOKR_SOAK_DELIVERIES", "700"))
DUPLICATES = 0.3
CUSTOMERS = 40
SEED = 21


def order_versions(order_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """An order as created and as edited later (a lower total), for one of CUSTOMERS."""
    versions = []
    for name in ("shopify_order", "shopify_order_edited"):
        body = payload(name)
        body["id"], body["name"] = order_id, f"#{order_id}"
        body["checkout_token"] = f"checkout-{order_id}"
        body["customer"] = {**body["customer"], "id": 8_000_000 + order_id % CUSTOMERS}
        versions.append(body)
    return versions[0], versions[1]


def deliveries_with_duplicates(total: int, rng: random.Random) -> tuple[list[Delivery], int, int]:
    """`total` deliveries, DUPLICATES of them sent again, shuffled: (them, distinct, orders)."""
    distinct = round(total * (1 - DUPLICATES))
    orders = round(distinct * 3 / 4)  # every third order is edited too
    unique = []
    for n in range(orders):
        created, edited = order_versions(40_000 + n)
        for topic, body in [("orders/create", created), ("orders/updated", edited)][
            : 1 + (n % 3 == 0)
        ]:
            headers, raw = shopify_delivery(SHOP, topic, body)
            unique.append(Delivery(headers["X-Shopify-Webhook-Id"], headers, raw))
    unique = unique[:distinct]
    sent = unique + rng.choices(unique, k=total - len(unique))
    rng.shuffle(sent)
    carried = {json.loads(delivery.body)["id"] for delivery in unique}
    return sent, len(unique), len(carried)


async def rollups(engine: AsyncEngine, shop_id: int) -> list[dict[str, Any]]:
    """The shop's sales rollup rows, summed over slots (a rebuild may slot them otherwise)."""
    async with AsyncSession(engine) as session:
        statement = select(SalesDay).where(SalesDay.shop_id == shop_id)
        rows = [row.model_dump(exclude={"slot"}) for row in (await session.exec(statement)).all()]
    by_day: dict[Any, dict[str, Any]] = {}
    for row in rows:
        held = by_day.setdefault(row["day"], dict.fromkeys(row, 0) | {"day": row["day"]})
        for key, value in row.items():
            if key not in ("day", "shop_id"):
                held[key] += value
        held["shop_id"] = row["shop_id"]
    return [by_day[day] for day in sorted(by_day)]


async def test_deliveries_with_duplicates_shuffled_equal_the_rebuild(
    connected: Connected, pg_engine: AsyncEngine, ledger: list[Tally]
) -> None:
    shop = await install(connected, SHOP)
    sent, distinct, orders = deliveries_with_duplicates(DELIVERIES, random.Random(SEED))
    answers = await send_all(connected.client, sent, concurrency=16)
    assert set(answers) == {200}
    await finish_jobs(connected.app)

    scenario = f"{DELIVERIES} deliveries, 30 % duplicates, shuffled"
    result = await tally(pg_engine, shop.id or 0, scenario, sent=distinct, orders=orders)
    ledger.append(result)
    result.assert_nothing_lost_or_doubled()
    live = await rollups(pg_engine, shop.id or 0)
    async with AsyncSession(pg_engine) as session:
        await rebuild(session, shop.id or 0)
        await session.commit()
    assert live
    assert live == await rollups(pg_engine, shop.id or 0)  # `metrics rebuild` changes nothing
