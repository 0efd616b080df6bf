"""One writer at a time on the embedded default's SQLite file, taken in turn inside the process.

SQLite has one write lock for the whole file. Left to itself, two of our connections race for
it: Python's sqlite3 opens a deferred transaction at the first INSERT/UPDATE/DELETE, and a
transaction that has read (a savepoint, a SELECT after its BEGIN) and then wants to write while
another connection writes gets `database is locked` at once — SQLite cannot wait there without
risking a deadlock, so the busy timeout does not apply. Webhooks answered 500 and jobs retried.

So the engine's connections queue for an asyncio lock before their first write, and then begin
`IMMEDIATE` (the write lock taken with the transaction, before anything is read in it). Reads
before the first write stay outside the lock: WAL lets them run beside the writer. The lock is
released when the transaction commits or rolls back. SQLite's busy timeout still guards against
other processes (a CLI command beside `storeokr demo`).
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.util import await_only

DRIVER = "sqlite+storeokr_one_writer"
# Longer than any write transaction of ours should last: reaching it means one never ended.
WRITE_LOCK_WAIT_S = 60.0

_WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|SAVEPOINT)\b", re.IGNORECASE)
_CTE_WRITES = re.compile(r"^\s*WITH\b.*\b(INSERT|UPDATE|DELETE|REPLACE)\b", re.I | re.S)


def starts_a_write(statement: str) -> bool:
    """A statement that makes sqlite3 open a transaction which will write (or may: a savepoint).
    Schema changes are left alone: migrations run before anything else, on their own."""
    return bool(_WRITES.match(statement) or _CTE_WRITES.match(statement))


class OneWriterDialect(SQLiteDialect_aiosqlite):
    """aiosqlite, with the engine's write transactions serialised by one asyncio lock."""

    supports_statement_cache = True  # compiles exactly as aiosqlite: nothing to uncache

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._write_lock = asyncio.Lock()
        self._writer: object | None = None  # the DBAPI connection holding the lock

    def begin_write(self, connection: Connection, cursor: Any) -> None:
        """Wait for the lock, then BEGIN IMMEDIATE (called in SQLAlchemy's greenlet)."""
        dbapi_connection = _unwrapped(connection.connection)
        if self._writer is dbapi_connection:
            return
        try:
            await_only(asyncio.wait_for(self._write_lock.acquire(), WRITE_LOCK_WAIT_S))
        except TimeoutError as error:
            raise sqlite3.OperationalError(
                f"database is locked: no write turn within {WRITE_LOCK_WAIT_S:.0f} s"
            ) from error
        self._writer = dbapi_connection
        driver = connection.connection.driver_connection
        if driver is not None and not driver.in_transaction:
            cursor.execute("BEGIN IMMEDIATE")

    def do_commit(self, dbapi_connection: Any) -> None:
        try:
            super().do_commit(dbapi_connection)  # type: ignore[no-untyped-call]
        finally:
            self._release(dbapi_connection)

    def do_rollback(self, dbapi_connection: Any) -> None:
        try:
            super().do_rollback(dbapi_connection)  # type: ignore[no-untyped-call]
        finally:
            self._release(dbapi_connection)

    def do_close(self, dbapi_connection: Any) -> None:
        try:
            super().do_close(dbapi_connection)  # type: ignore[no-untyped-call]
        finally:
            self._release(dbapi_connection)

    def _release(self, dbapi_connection: Any) -> None:
        if self._writer is _unwrapped(dbapi_connection):
            self._writer = None
            self._write_lock.release()


def _unwrapped(connection: Any) -> Any:
    """The DBAPI connection itself: SQLAlchemy hands the dialect the pool's proxy for it."""
    return getattr(connection, "dbapi_connection", connection)


registry.register(DRIVER.replace("+", "."), __name__, OneWriterDialect.__name__)


def one_writer_url(database_url: str) -> str:
    """The embedded database's URL on the one-writer dialect."""
    url = make_url(database_url).set(drivername=DRIVER)
    return url.render_as_string(hide_password=False)


def before_cursor_execute(
    connection: Connection,
    cursor: Any,
    statement: str,
    _parameters: Any,
    _context: Any,
    _executemany: bool,
) -> None:
    """Engine event: take the write turn before a transaction's first write."""
    dialect = connection.dialect
    if isinstance(dialect, OneWriterDialect) and starts_a_write(statement):
        dialect.begin_write(connection, cursor)
