"""Group commit: rows that arrive at the same time in one process are stored by ONE statement.

At a flash sale's rate each webhook acknowledgement paid for a statement and a commit of its
own (asyncpg's execute, a round trip, PostgreSQL's per-statement and per-commit work: a quarter
of a web worker's time in py-spy, bench/README.md). Here one task per table takes whatever rows
are waiting (up to `MAX_ROWS`), stores them with one prepared `INSERT … SELECT FROM unnest(…)
ON CONFLICT DO NOTHING` in autocommit and only then answers each caller: an answer still means
committed. It never waits for more rows: what arrived while a statement ran is the next batch,
so a lone row goes at once. PostgreSQL only (it runs on `app.raw_pool`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from sqlalchemy import String, Table
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.types import TypeDecorator, TypeEngine

from app.db import DatabaseUnavailable
from app.raw_pool import fetch_committed, insert_or_skip_raw

logger = logging.getLogger(__name__)

MAX_ROWS = 100  # per statement: a bounded statement, and a bounded batch a failure can touch

Key = tuple[Any, ...]


@dataclass
class _Waiting:
    values: dict[str, Any]
    key: Key
    answer: asyncio.Future[int | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def settle(self, new_id: int | None = None, error: BaseException | None = None) -> None:
        # A caller cancelled while it waited has given up its answer; the others still get theirs.
        if self.answer.done():
            return
        if error is not None:
            self.answer.set_exception(error)
        else:
            self.answer.set_result(new_id)


def insert_rows_or_skip_sql(table: Table, columns: tuple[str, ...], unique: tuple[str, ...]) -> str:
    """One prepared statement for any number of rows: each column comes as an array of the
    column's type, so the statement's text does not vary with the batch's size."""
    arrays = ", ".join(
        f"${n}::{_array_element(table.c[name].type)}[]" for n, name in enumerate(columns, start=1)
    )
    return (
        f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({arrays}) "
        f"ON CONFLICT ({', '.join(unique)}) DO NOTHING RETURNING id, {', '.join(unique)}"
    )


def _array_element(column_type: TypeEngine[Any]) -> str:
    # Strings as TEXT, not VARCHAR(n): a cast to VARCHAR(n)[] checks each element on its own,
    # and cost a third of the statement's time in bench.inbox_insert; the column checks the
    # length when the row is stored all the same.
    stored_as = column_type.impl_instance if isinstance(column_type, TypeDecorator) else column_type
    if isinstance(stored_as, String):
        return "TEXT"
    dialect = PGDialect_asyncpg()  # type: ignore[no-untyped-call]  # SQLAlchemy leaves it untyped
    return column_type.compile(dialect=dialect)


class GroupInsert:
    """Insert-or-skip into one table, rows arriving together stored and committed together."""

    def __init__(
        self, pool: asyncpg.Pool, table: Table, columns: tuple[str, ...], unique: tuple[str, ...]
    ) -> None:
        self._pool, self._table, self._columns, self._unique = pool, table, columns, unique
        self._statement = insert_rows_or_skip_sql(table, columns, unique)
        self._queue: asyncio.Queue[_Waiting | None] = asyncio.Queue()  # None: stop
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    async def store(self, values: dict[str, Any]) -> int | None:
        """The new row's id, or None when a row with the same unique values exists (or arrived
        in the same batch); committed when it returns. `values` has the writer's columns."""
        if self._closed:
            raise DatabaseUnavailable("the server is shutting down; send the request again")
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"group insert {self._table.name}")
        waiting = _Waiting(values, tuple(values[name] for name in self._unique))
        self._queue.put_nowait(waiting)
        return await waiting.answer

    async def close(self) -> None:
        """Store what is already waiting, then stop; later stores are refused (503)."""
        self._closed = True
        if self._task is None:
            return
        self._queue.put_nowait(None)
        await self._task

    async def _run(self) -> None:
        try:
            while (batch := await self._next_batch()) is not None:
                try:
                    await self._store_batch(batch)
                except Exception:  # a fault of ours: this batch fails, the writer goes on
                    logger.exception("grouped insert into %s failed", self._table.name)
                finally:  # whatever went wrong, no caller of the batch waits for ever
                    _fail(batch, DatabaseUnavailable("the row could not be stored; send it again"))
        finally:  # stopped, or cancelled with the loop: nobody is left without an answer
            self._closed = True
            while not self._queue.empty():
                if (left := self._queue.get_nowait()) is not None:
                    left.settle(error=DatabaseUnavailable("the server stopped; send it again"))

    async def _next_batch(self) -> list[_Waiting] | None:
        """Whatever is waiting, at least one row (waiting for it) and at most MAX_ROWS; None
        once told to stop."""
        batch: list[_Waiting] = []
        while len(batch) < MAX_ROWS and (not batch or not self._queue.empty()):
            waiting = await self._queue.get()
            if waiting is None:
                if batch:
                    self._queue.put_nowait(None)  # stop after this last batch
                    return batch
                return None
            if not waiting.answer.done():  # a cancelled request needs no row
                batch.append(waiting)
        return batch

    async def _store_batch(self, batch: list[_Waiting]) -> None:
        first_of_key: dict[Key, _Waiting] = {}
        for waiting in batch:
            first_of_key.setdefault(waiting.key, waiting)
        try:
            stored = await self._insert(list(first_of_key.values()))
        except DatabaseUnavailable as error:
            _fail(batch, error)
            return
        except Exception:
            # A row the server refuses (a NUL byte in a text, say) must fail alone, as it did
            # when each row had its statement: the batch is stored again row by row.
            logger.warning("a grouped insert into %s failed; row by row", self._table.name)
            await self._store_one_by_one(batch)
            return
        for waiting in batch:
            first = first_of_key[waiting.key] is waiting
            waiting.settle(stored.get(waiting.key) if first else None)

    async def _insert(self, rows: list[_Waiting]) -> dict[Key, int]:
        """Insert the rows (no two with the same key) in one statement; the new rows' ids by
        key. Sorted by key: two processes inserting the same keys at once take their index
        entries in the same order, so neither waits on the other in a circle (a deadlock)."""
        rows = sorted(rows, key=lambda waiting: waiting.key)
        arrays = [[waiting.values[name] for waiting in rows] for name in self._columns]
        records = await fetch_committed(self._pool, self._statement, *arrays)
        return {tuple(record[name] for name in self._unique): record["id"] for record in records}

    async def _store_one_by_one(self, batch: list[_Waiting]) -> None:
        for done, waiting in enumerate(batch):
            try:
                new_id = await insert_or_skip_raw(
                    self._pool, self._table.name, waiting.values, self._unique
                )
            except DatabaseUnavailable as error:  # the rest would only wait for it too
                _fail(batch[done:], error)
                return
            except Exception as error:
                waiting.settle(error=error)
            else:
                waiting.settle(new_id)


def _fail(batch: list[_Waiting], error: BaseException) -> None:
    for waiting in batch:
        waiting.settle(error=error)


class GroupInserts:
    """A process's group inserts, one per table and shape, each started at its first row and
    stopped with the runtime."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._writers: dict[tuple[str, tuple[str, ...], tuple[str, ...]], GroupInsert] = {}

    def into(self, table: Table, columns: tuple[str, ...], unique: tuple[str, ...]) -> GroupInsert:
        shape = (table.name, columns, unique)
        if shape not in self._writers:
            self._writers[shape] = GroupInsert(self.pool, table, columns, unique)
        return self._writers[shape]

    async def close(self) -> None:
        for writer in self._writers.values():
            await writer.close()
