"""A raw asyncpg pool for the one statement on the hottest path: storing a webhook delivery.

Every other query goes through SQLAlchemy (`app.db`). The acknowledgement runs at a flash
sale's rate, and there SQLAlchemy's Core costs ~1 ms of Python per statement more than
asyncpg's own prepared statement (bench/README.md, "The acknowledgement's one write"). asyncpg
prepares each statement once per connection and keeps it (its statement cache), so each
delivery is one `Bind`/`Execute` round trip in autocommit. PostgreSQL only: the embedded
SQLite default keeps `app.db.insert_or_skip_committed`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from app.config import Settings
from app.db import DatabaseUnavailable

MAX_CONNECTIONS = 10  # per process, beside SQLAlchemy's pool: a web worker's concurrent stores
CONNECT_TIMEOUT_S = 3  # as the engine's: a platform retries a 503, not a hang past its 5 s

# What a lost or unreachable server looks like from asyncpg: the delivery was not stored, and
# the platform must send it again (503), as for the engine (`app.db._connect_or_unavailable`).
# asyncpg's own protocol may refuse the next statement on a connection the server has just
# terminated (`InternalClientError`: nothing was sent).
_UNAVAILABLE = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InternalClientError,
)


async def open_pool(settings: Settings) -> asyncpg.Pool | None:
    """A pool on the settings' PostgreSQL database, or None for SQLite. It connects lazily, so
    a process starts (and says what is wrong) while the database is down."""
    if settings.is_sqlite:
        return None
    url = make_url(settings.database_url).set(drivername="postgresql")
    pool: asyncpg.Pool = await asyncpg.create_pool(
        url.render_as_string(hide_password=False),
        min_size=0,
        max_size=MAX_CONNECTIONS,
        timeout=CONNECT_TIMEOUT_S,
        reset=_nothing_to_reset,
    )
    return pool


async def _nothing_to_reset(_connection: asyncpg.Connection) -> None:
    # asyncpg resets a connection it takes back (advisory locks, cursors, LISTEN, settings: one
    # more round trip, a tenth of a web worker's time at saturation in py-spy). This pool runs
    # one autocommit INSERT per checkout and changes none of them; a connection whose
    # statement failed is terminated instead (`fetch_committed`).
    return None


@cache  # one string per shape: asyncpg finds its prepared statement by it
def insert_or_skip_sql(table: str, names: tuple[str, ...], unique: tuple[str, ...]) -> str:
    """`INSERT … ON CONFLICT (unique) DO NOTHING RETURNING id` for columns `names`, in order.
    The names are the code's own column names, never a request's."""
    columns = ", ".join(names)
    values = ", ".join(f"${n}" for n in range(1, len(names) + 1))
    conflict = ", ".join(unique)
    return (
        f"INSERT INTO {table} ({columns}) VALUES ({values}) "
        f"ON CONFLICT ({conflict}) DO NOTHING RETURNING id"
    )


async def insert_or_skip_raw(
    pool: asyncpg.Pool, table: str, values: dict[str, Any], unique: tuple[str, ...]
) -> int | None:
    """`app.db.insert_or_skip_committed` on the raw pool: the new row's id, or None when a row
    with the same unique values exists; committed when it returns (autocommit)."""
    statement = insert_or_skip_sql(table, tuple(values), unique)
    rows = await fetch_committed(pool, statement, *values.values())
    return int(rows[0]["id"]) if rows else None


async def fetch_committed(pool: asyncpg.Pool, statement: str, *args: Any) -> list[asyncpg.Record]:
    """The rows of one statement run in autocommit (committed when it returns); a lost or
    unreachable server is `DatabaseUnavailable` (503)."""
    try:
        async with pool.acquire() as connection:
            try:
                rows: list[asyncpg.Record] = await connection.fetch(statement, *args)
            except _UNAVAILABLE:
                connection.terminate()  # not back into the pool: the pool opens a new one
                raise
    except _UNAVAILABLE as error:
        raise DatabaseUnavailable(f"the database is unreachable ({error!r})") from error
    return rows
