"""The acknowledgement's one write, four ways, in one process (issue #20): the ORM session's
unit of work (BEGIN, INSERT, COMMIT: what the endpoint did first), SQLAlchemy Core in
autocommit on a pooled connection (`app.db.insert_or_skip_committed`: what it did next, and
what it still does on SQLite), the raw asyncpg pool (`app.raw_pool.insert_or_skip_raw`: what
it does now on PostgreSQL), and one raw asyncpg connection with a prepared statement (the
anchor: the least Python there can be); and Core once more on a pool that does not ping each
connection it hands out.
Each stores `--rows` unique deliveries one after another; the figure is the time per row.

Then the same at a flash sale's pace: `CALLERS` concurrent callers (a web worker's concurrent
requests) share `--rows` deliveries, stored by the raw pool one statement each (the single
path), by the group insert (`app.group_insert`: what arrives together is one prepared
`unnest` statement and one commit), and by the same writer with a multi-row VALUES statement
(its text varies with the batch's size). Figures: wall and this process's CPU time per row.

    .venv/bin/python -m bench.inbox_insert            # 3 000 rows each
    .venv/bin/python -m bench.inbox_insert --quick    # CI: 60 rows each
    .venv/bin/python -m bench.inbox_insert --concurrent-only --rows 2000
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
from app.group_insert import GroupInsert
from app.integrations.platforms import Platform
from app.raw_pool import fetch_committed, insert_or_skip_raw, open_pool
from app.shops.models import Shop
from app.webhooks import repository
from app.webhooks.models import EventStatus, WebhookEvent
from app.webhooks.repository import INBOX_TABLE
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


async def a_shop() -> int:
    """A fresh bench database with one shop; its id."""
    engine = await fresh_database()
    async with AsyncSession(engine) as session, session.begin():
        shop = Shop(platform=Platform.SHOPIFY, domain="insert.myshopify.com", name="Bench",
                    currency="EUR", timezone="Europe/Berlin")  # fmt: skip
        session.add(shop)
        await session.flush()
        shop_id = shop.id or 0
    await engine.dispose()
    return shop_id


async def main(rows: int) -> dict[str, Any]:
    shop_id = await a_shop()
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


CALLERS = 64  # concurrent senders, as in the py-spy profile of a saturated web worker
UNIQUE_COLUMNS = tuple(delivery(0))


class ValuesGroupInsert(GroupInsert):
    """The group insert with a multi-row VALUES statement instead of `unnest`: each batch size
    is a statement text of its own (parsed, planned and prepared again per size)."""

    async def _insert(self, rows: list[Any]) -> dict[tuple[Any, ...], int]:
        rows = sorted(rows, key=lambda waiting: waiting.key)
        width = len(UNIQUE_COLUMNS)
        tuples = ", ".join(
            "(" + ", ".join(f"${r * width + c}" for c in range(1, width + 1)) + ")"
            for r in range(len(rows))
        )
        statement = (
            f"INSERT INTO webhook_events ({', '.join(UNIQUE_COLUMNS)}) VALUES {tuples} "
            "ON CONFLICT (shop_id, delivery_id) DO NOTHING RETURNING id, shop_id, delivery_id"
        )
        arguments = [waiting.values[name] for waiting in rows for name in UNIQUE_COLUMNS]
        records = await fetch_committed(self._pool, statement, *arguments)
        return {(record["shop_id"], record["delivery_id"]): record["id"] for record in records}


async def concurrently(store: Callable[[], Awaitable[Any]], rows: int) -> tuple[float, float]:
    """Wall and CPU milliseconds per row for CALLERS callers storing `rows` rows between them."""
    left = iter(range(rows))

    async def caller() -> None:
        for _ in left:
            await store()

    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(caller() for _ in range(CALLERS)))
    return (time.perf_counter() - wall) * 1000 / rows, (time.process_time() - cpu) * 1000 / rows


async def concurrent_main(rows: int) -> dict[str, Any]:
    """The single path against the group inserts, CALLERS at once, taking turns in ROUNDS."""
    shop_id = await a_shop()
    pool = await open_pool(bench_settings())
    assert pool is not None
    grouped = GroupInsert(pool, INBOX_TABLE, UNIQUE_COLUMNS, UNIQUE)
    values_grouped = ValuesGroupInsert(pool, INBOX_TABLE, UNIQUE_COLUMNS, UNIQUE)
    ways: dict[str, Callable[[], Awaitable[Any]]] = {
        "single": lambda: insert_or_skip_raw(pool, "webhook_events", delivery(shop_id), UNIQUE),
        "grouped_unnest": lambda: grouped.store(delivery(shop_id)),
        "grouped_values": lambda: values_grouped.store(delivery(shop_id)),
    }
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
    try:
        for store in ways.values():
            await concurrently(store, CALLERS * 2)  # warm-up: connections open, prepared
        turns = list(ways.items())
        for number in range(ROUNDS):
            # Each way goes first in turn: a way run right after the single path's hundreds
            # of commits found the server still busy with them.
            shift = number % len(turns)
            for name, store in turns[shift:] + turns[:shift]:
                samples[name].append(await concurrently(store, rows // ROUNDS))
    finally:
        await grouped.close()
        await values_grouped.close()
        await pool.close()
    result: dict[str, Any] = {"concurrent_rows": rows, "callers": CALLERS}
    for name, pairs in samples.items():
        result[f"{name}_wall_ms"] = round(statistics.median(p[0] for p in pairs), 3)
        result[f"{name}_cpu_ms"] = round(statistics.median(p[1] for p in pairs), 3)
    for name in ("grouped_unnest", "grouped_values"):
        for kind in ("wall", "cpu"):
            single = result[f"single_{kind}_ms"]
            result[f"single_vs_{name}_{kind}"] = round(single / result[f"{name}_{kind}_ms"], 2)
    print(result, flush=True)
    return result


async def everything(rows: int, concurrent_rows: int, concurrent_only: bool) -> dict[str, Any]:
    one_by_one = {} if concurrent_only else await main(rows)
    return {**one_by_one, **await concurrent_main(concurrent_rows)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small run; for CI")
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument(
        "--concurrent-only", action="store_true", help="only the concurrent callers' scenario"
    )
    arguments = parser.parse_args()
    rows = 60 if arguments.quick else arguments.rows
    concurrent_rows = CALLERS * ROUNDS if arguments.quick else arguments.rows  # a row a caller
    outcome = asyncio.run(everything(rows, concurrent_rows, arguments.concurrent_only))
    if not arguments.quick:
        name = "inbox_insert_concurrent" if arguments.concurrent_only else "inbox_insert"
        print(save(name, outcome))
