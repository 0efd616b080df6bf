"""PostgreSQL connections killed (pg_terminate_backend) during a burst of deliveries: what could
not be stored is answered 5xx, never 200; every 200 is in the database at once; after the
platform's retries every delivery is stored, handled and counted once."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fixtures.app import finish_jobs
from tests.fixtures.stores import Connected
from tests.reliability.deliveries import (
    retry_until_accepted,
    send_all,
    shopify_orders,
    stored_ids,
)
from tests.reliability.ledger import Tally, tally
from tests.webhooks.helpers import install

SHOP = "killed-postgres.myshopify.com"
DELIVERIES = 120
KILLS = 6

KILL_THE_OTHERS = text(
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


async def kill_connections(engine: AsyncEngine, times: int, done: asyncio.Event) -> int:
    """Kill every other connection to the database `times` times while the burst runs."""
    killed = 0
    for _ in range(times):
        if done.is_set():
            break
        async with engine.connect() as connection:
            killed += int((await connection.execute(KILL_THE_OTHERS)).scalar_one())
        await asyncio.sleep(0.05)  # let the app reconnect and get some work going again
    return killed


async def test_postgres_connections_killed_during_a_burst(
    connected: Connected, pg_engine: AsyncEngine, ledger: list[Tally]
) -> None:
    shop = await install(connected, SHOP)
    deliveries = shopify_orders(SHOP, DELIVERIES)
    burst_over = asyncio.Event()
    killing = asyncio.create_task(kill_connections(pg_engine, KILLS, burst_over))
    answers = await send_all(connected.client, deliveries)
    burst_over.set()
    killed = await killing

    assert set(answers) <= {200, 503}, answers  # a lost connection is 503, nothing else
    accepted = [d.delivery_id for d, a in zip(deliveries, answers, strict=True) if a == 200]
    assert await stored_ids(pg_engine, accepted) == set(accepted)  # no 200 for a lost event
    refused = [d for d, a in zip(deliveries, answers, strict=True) if a != 200]
    await retry_until_accepted(connected.client, refused)
    await finish_jobs(connected.app)

    result = await tally(
        pg_engine,
        shop.id or 0,
        "PostgreSQL connections killed during a burst",
        sent=DELIVERIES,
        answered_5xx=len(refused),
    )
    ledger.append(result)
    assert killed > 0
    result.assert_nothing_lost_or_doubled()
