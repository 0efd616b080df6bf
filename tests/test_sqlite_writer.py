"""The embedded database's writers take turns: a transaction that has read and then writes
while another writes waits for its turn instead of failing with `database is locked`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from app.db import create_engine
from app.sqlite_writer import starts_a_write
from tests.fixtures.settings import make_settings, sqlite_url


@pytest.mark.parametrize(
    ("statement", "writes"),
    [
        ("INSERT INTO t VALUES (1)", True),
        ("  update t SET n = 2", True),
        ("DELETE FROM t", True),
        ("REPLACE INTO t VALUES (1)", True),
        ("SAVEPOINT sa_savepoint_1", True),
        ("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", True),
        ("SELECT n FROM t", False),
        ("WITH x AS (SELECT 1) SELECT * FROM x", False),
        ("PRAGMA foreign_keys=ON", False),
        ("CREATE TABLE u (n INTEGER)", False),
    ],
)
def test_statements_that_open_a_write(statement: str, writes: bool) -> None:
    assert starts_a_write(statement) is writes


async def test_a_reader_turned_writer_waits_for_the_writer(tmp_path: Path) -> None:
    engine = create_engine(make_settings(database_url=sqlite_url(tmp_path)))
    try:
        async with engine.begin() as setup:
            await setup.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
            await setup.execute(text("INSERT INTO counter VALUES (0)"))
        first_wrote, release = asyncio.Event(), asyncio.Event()

        async def first() -> None:
            async with engine.begin() as connection:
                await connection.execute(text("UPDATE counter SET n = n + 1"))
                first_wrote.set()
                await release.wait()  # holds the write turn while the second reads, then writes

        async def second() -> None:
            await first_wrote.wait()
            async with engine.begin() as connection:
                await connection.execute(text("SAVEPOINT before_read"))
                await connection.execute(text("SELECT n FROM counter"))
                await connection.execute(text("UPDATE counter SET n = n + 10"))

        holder, follower = asyncio.create_task(first()), asyncio.create_task(second())
        await first_wrote.wait()
        await asyncio.sleep(0.2)  # the follower is waiting for its turn, not failing
        assert not follower.done()
        release.set()
        await asyncio.gather(holder, follower)
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT n FROM counter"))).scalar_one() == 11
    finally:
        await engine.dispose()
