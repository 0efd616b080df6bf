"""The acknowledgement's one write, four ways, in one process (issue #20): the ORM session's
unit of work (BEGIN, INSERT, COMMIT: what the endpoint did first), SQLAlchemy Core in
autocommit on a pooled connection (`app.db.insert_or_skip_committed`: what it did next, and
what it still does on SQLite), the raw asyncpg pool (`app.raw_pool.insert_or_skip_raw`: what
it does now on PostgreSQL), and one raw asyncpg connection with a prepared statement (the
anchor: the least Python there can be); and Core once more on a pool that does not ping each
connection it hands out.
Each stores `--rows` unique deliveries one after another; the figure is the time per row.

    .venv/bin/python -m bench.inbox_insert            # 3 000 rows each
    .venv/bin/python -m bench.inbox_insert --quick    # CI: 50 rows each
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import create_engine, insert_or_skip_committed, utcnow
from app.integrations.platforms import Platform
from app.raw_pool import insert_or_skip_raw, open_pool
from app.shops.models import Shop
from app.webhooks import repository
from app.webhooks.models import EventStatus, WebhookEvent
from bench.common import BENCH_URL, bench_settings, fresh_database, save

PAYLOAD = '{"id": 1, "total_price": "59.90"}'
_numbers = itertools.count()


def delivery(shop_id: int) -> dict[str, Any]:
    return {
        "shop_id": shop_id,
        "delivery_id": f"{uuid.uuid4()}-{next(_numbers)}",
        "topic": "orders/create",
        "payload": PAYLOAD,
        "status": EventStatus.PENDING,
        "triggered_at": utcnow(),
        "received_at": utcnow(),
        "attempts": 0,
    }


RAW_INSERT = """INSERT INTO webhook_events
    (shop_id, delivery_id, topic, payload, status, triggered_at, received_at, attempts)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    ON CONFLICT (shop_id, delivery_id) DO NOTHING RETURNING id"""


UNIQUE = ("shop_id", "delivery_id")
ROUNDS = 6


async def per_row(ways: Mapping[str, Callable[[], Awaitable[Any]]], rows: int) -> dict[str, float]:
    """Milliseconds per row for each way: the median of ROUNDS rounds, the ways taking turns
    within each round (this machine's load drifts; turns spread it over all of them)."""
    samples: dict[str, list[float]] = {name: [] for name in ways}
    for store in ways.values():
        for _ in range(20):  # warm-up: pools filled, statements prepared
            await store()
    for _ in range(ROUNDS):
        for name, store in ways.items():
            started = time.perf_counter()
            for _ in range(rows // ROUNDS):
                await store()
            samples[name].append((time.perf_counter() - started) * 1000 / (rows // ROUNDS))
    return {f"{name}_ms": round(statistics.median(times), 3) for name, times in samples.items()}


async def main(rows: int) -> dict[str, Any]:
    engine = await fresh_database()
    async with AsyncSession(engine) as session, session.begin():
        shop = Shop(platform=Platform.SHOPIFY, domain="insert.myshopify.com", name="Bench",
                    currency="EUR", timezone="Europe/Berlin")  # fmt: skip
        session.add(shop)
        await session.flush()
        shop_id = shop.id or 0
    await engine.dispose()
    engine = create_engine(bench_settings())

    async def orm_unit_of_work() -> None:
        async with AsyncSession(engine) as session, session.begin():
            await repository.store_delivery(session, delivery(shop_id))

    async def core_autocommit() -> None:
        await insert_or_skip_committed(
            engine, WebhookEvent, delivery(shop_id), ["shop_id", "delivery_id"]
        )

    # The same without the pool's ping on each checkout (a round trip of its own).
    unpinged = create_async_engine(BENCH_URL.replace("postgresql://", "postgresql+asyncpg://"))

    async def core_autocommit_unpinged() -> None:
        await insert_or_skip_committed(
            unpinged, WebhookEvent, delivery(shop_id), ["shop_id", "delivery_id"]
        )

    url = make_url(BENCH_URL)
    raw = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, database=url.database
    )
    prepared = await raw.prepare(RAW_INSERT)

    async def raw_asyncpg() -> None:
        values = delivery(shop_id)
        await prepared.fetchval(*values.values())

    pool = await open_pool(bench_settings())
    assert pool is not None

    async def raw_pool() -> None:
        await insert_or_skip_raw(pool, "webhook_events", delivery(shop_id), UNIQUE)

    try:
        ways = {
            "orm_unit_of_work": orm_unit_of_work,
            "core_autocommit": core_autocommit,
            "core_autocommit_unpinged": core_autocommit_unpinged,
            "raw_pool": raw_pool,
            "raw_asyncpg": raw_asyncpg,
        }
        result: dict[str, Any] = {"rows": rows, **await per_row(ways, rows)}
    finally:
        await raw.close()
        await pool.close()
        await engine.dispose()
        await unpinged.dispose()
    anchor = result["raw_asyncpg_ms"]
    for way in ("orm_unit_of_work", "core_autocommit", "core_autocommit_unpinged", "raw_pool"):
        result[f"{way}_vs_raw"] = round(result[f"{way}_ms"] / anchor, 2)
    print(result, flush=True)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small run; for CI")
    parser.add_argument("--rows", type=int, default=3000)
    arguments = parser.parse_args()
    outcome = asyncio.run(main(60 if arguments.quick else arguments.rows))
    if not arguments.quick:
        print(save("inbox_insert", outcome))
