"""Group commit on the raw pool (`app.group_insert`), on the inbox's table: rows arriving at once
are stored by one statement and each caller answered after its commit; a duplicate is None;
a database that goes away fails the waiting callers (503) and the next row after it is back is
stored; a cancelled caller, a row the server refuses and a shutdown leave nobody else hanging."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import DatabaseUnavailable, utcnow
from app.group_insert import MAX_ROWS, GroupInsert, GroupInserts
from app.raw_pool import open_pool
from app.webhooks.models import EventStatus
from app.webhooks.repository import INBOX_TABLE
from tests.fixtures.database import empty_all_tables
from tests.fixtures.network import CuttableProxy
from tests.fixtures.objects import create_shop
from tests.fixtures.settings import POSTGRES_URL, make_settings

DELIVERY = ("shop_id", "delivery_id")
STALLED = 60  # seconds: far beyond a loaded machine's batch; past it the writer has stopped
_numbers = itertools.count()


def delivery(shop_id: int, delivery_id: str | None = None, payload: str = "{}") -> dict[str, Any]:
    return {
        "shop_id": shop_id,
        "delivery_id": delivery_id or f"delivery-{next(_numbers)}",
        "topic": "orders/create",
        "payload": payload,
        "status": EventStatus.PENDING,
        "triggered_at": None,
        "received_at": utcnow(),
        "attempts": 0,
    }


COLUMNS = tuple(delivery(0))


@pytest.fixture
async def shop_id(pg_engine: AsyncEngine) -> AsyncIterator[int]:
    await empty_all_tables(pg_engine)
    async with AsyncSession(pg_engine, expire_on_commit=False) as session, session.begin():
        shop = await create_shop(session)
    yield shop.id or 0
    await empty_all_tables(pg_engine)


async def open_inbox(database_url: str = POSTGRES_URL) -> tuple[GroupInserts, GroupInsert]:
    pool = await open_pool(make_settings(database_url=database_url))
    assert pool is not None
    inserts = GroupInserts(pool)
    return inserts, inserts.into(INBOX_TABLE, COLUMNS, DELIVERY)


async def shut(inserts: GroupInserts) -> None:
    await inserts.close()
    await inserts.pool.close()


async def stored_ids(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT delivery_id, id FROM webhook_events"))
        return {row.delivery_id: row.id for row in rows.all()}


async def test_concurrent_stores_are_grouped_each_delivery_once(
    pg_engine: AsyncEngine, shop_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    statements = 0
    fetch = asyncpg.Connection.fetch

    async def counted(connection: asyncpg.Connection, statement: str, *args: object) -> object:
        nonlocal statements
        statements += 1
        return await fetch(connection, statement, *args)

    monkeypatch.setattr(asyncpg.Connection, "fetch", counted)
    inserts, inbox = await open_inbox()
    earlier = await inbox.store(delivery(shop_id, "stored-before"))
    unique = [delivery(shop_id) for _ in range(160)]
    again = [dict(values, payload="another body") for values in unique[::4]]  # 40 in the burst
    sent = unique + again + [delivery(shop_id, "stored-before")]
    try:
        answers = await asyncio.gather(*(inbox.store(values) for values in sent))
    finally:
        await shut(inserts)

    by_delivery: dict[str, list[int | None]] = {}
    for values, answer in zip(sent, answers, strict=True):
        by_delivery.setdefault(values["delivery_id"], []).append(answer)
    rows = await stored_ids(pg_engine)
    assert len(rows) == 161
    assert by_delivery.pop("stored-before") == [None]  # a row from before is a duplicate
    assert rows["stored-before"] == earlier
    for delivery_id, given in by_delivery.items():
        assert sorted(given, key=lambda new_id: new_id is None)[0] == rows[delivery_id]
        assert given.count(None) == len(given) - 1  # exactly one caller got the id
    # One statement per batch, not per delivery (the first, alone, and the burst's batches).
    assert statements <= 1 + 1 + -(-len(sent) // MAX_ROWS) + 1


async def test_database_down_fails_the_waiting_stores_and_the_next_succeeds_once_back(
    pg_engine: AsyncEngine, shop_id: int
) -> None:
    target = make_url(POSTGRES_URL)
    proxy = CuttableProxy(target.host or "127.0.0.1", target.port or 5432)
    await proxy.restore()
    through_proxy = target.set(port=proxy.port).render_as_string(hide_password=False)
    inserts, inbox = await open_inbox(through_proxy)
    try:
        assert await inbox.store(delivery(shop_id)) is not None  # a connection in the pool
        await proxy.cut()
        lost = await asyncio.gather(
            *(inbox.store(delivery(shop_id)) for _ in range(30)), return_exceptions=True
        )
        await proxy.restore()
        after = await inbox.store(delivery(shop_id, "after-the-outage"))
    finally:
        await shut(inserts)
        await proxy.cut()

    assert all(isinstance(answer, DatabaseUnavailable) for answer in lost), lost
    assert (await stored_ids(pg_engine)).get("after-the-outage") == after
    assert len(await stored_ids(pg_engine)) == 2  # nothing of the outage was stored


async def test_cancelled_callers_lose_no_other_row_and_do_not_stall_the_writer(
    pg_engine: AsyncEngine, shop_id: int
) -> None:
    inserts, inbox = await open_inbox()
    sent = [delivery(shop_id) for _ in range(60)]
    try:
        callers = [asyncio.create_task(inbox.store(values)) for values in sent]
        await asyncio.sleep(0)  # all queued; the writer has not taken them yet
        for caller in callers[0::6]:
            caller.cancel()  # cancelled while waiting in the queue
        for _ in range(3):
            await asyncio.sleep(0)  # the writer has taken the rest: its statement is under way
        for caller in callers[3::6]:
            caller.cancel()  # cancelled while its batch is being stored
        async with asyncio.timeout(STALLED):
            answers = await asyncio.gather(*callers, return_exceptions=True)
            later = await inbox.store(delivery(shop_id, "later"))
    finally:
        await shut(inserts)

    rows = await stored_ids(pg_engine)
    for number, (values, answer) in enumerate(zip(sent, answers, strict=True)):
        if number % 3 == 0:
            assert isinstance(answer, asyncio.CancelledError)
        else:
            assert answer == rows[values["delivery_id"]]
    assert rows["later"] == later


async def test_a_row_the_server_refuses_fails_alone(pg_engine: AsyncEngine, shop_id: int) -> None:
    inserts, inbox = await open_inbox()
    good = [delivery(shop_id) for _ in range(20)]
    bad = delivery(shop_id, payload="a NUL \x00 byte, which PostgreSQL text cannot hold")
    try:
        answers = await asyncio.gather(
            *(inbox.store(values) for values in [*good[:10], bad, *good[10:]]),
            return_exceptions=True,
        )
    finally:
        await shut(inserts)

    refused = answers.pop(10)
    assert isinstance(refused, asyncpg.PostgresError | asyncpg.DataError), refused
    rows = await stored_ids(pg_engine)
    assert answers == [rows[values["delivery_id"]] for values in good]
    assert bad["delivery_id"] not in rows


async def test_shutdown_stores_what_waits_then_refuses(
    pg_engine: AsyncEngine, shop_id: int
) -> None:
    inserts, inbox = await open_inbox()
    sent = [delivery(shop_id) for _ in range(30)]
    callers = [asyncio.create_task(inbox.store(values)) for values in sent]
    await asyncio.sleep(0)  # queued before the shutdown begins
    await shut(inserts)
    answers = await asyncio.gather(*callers)

    rows = await stored_ids(pg_engine)
    assert answers == [rows[values["delivery_id"]] for values in sent]
    with pytest.raises(DatabaseUnavailable):
        await inbox.store(delivery(shop_id))
