"""Database engine, sessions, the metadata naming convention and column types shared by models.

The request or job boundary owns the transaction (`unit_of_work`); services and repositories
only `flush()`. Jobs enqueued during a unit of work are sent only after it commits
(see `app.worker.enqueue`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Enum, Numeric, event, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator, TypeEngine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.errors import ServiceUnavailable
from app.sqlite_writer import before_cursor_execute, one_writer_url

# Constraint names are part of the schema: a convention keeps them stable across PostgreSQL and
# SQLite, so that migrations can drop and alter them by name (SQLite batch mode needs names).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = SQLModel.metadata
metadata.naming_convention = NAMING_CONVENTION

SQLITE_BUSY_TIMEOUT_MS = 5_000


class DatabaseUnavailable(ServiceUnavailable):
    code = "database_unavailable"


def utcnow() -> datetime:
    return datetime.now(UTC)


def enum_column(
    enum: type[StrEnum], length: int = 16, server_default: StrEnum | None = None
) -> Column[str]:
    # Stored as plain strings with a CHECK constraint: no native PostgreSQL enum type to
    # migrate when a value is added, and the same on SQLite.
    return Column(
        Enum(
            enum,
            native_enum=False,
            length=length,
            create_constraint=True,
            values_callable=lambda members: [m.value for m in members],
            name=enum.__name__.lower(),
        ),
        nullable=False,
        # For a column added to a table with rows: what the rows already there hold.
        server_default=server_default.value if server_default is not None else None,
    )


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC that always comes back timezone-aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware one (app.db.utcnow())")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def create_engine(settings: Settings) -> AsyncEngine:
    if settings.is_sqlite:
        return _create_sqlite_engine(settings)
    engine = create_async_engine(
        settings.database_url,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,
        # Fail fast when PostgreSQL is unreachable: a webhook answered 503 is retried by the
        # platform, one left hanging past its 5 s deadline counts as a failed delivery.
        connect_args={"timeout": 3},
    )
    event.listen(engine.sync_engine, "do_connect", _connect_or_unavailable)
    return engine


def _connect_or_unavailable(
    dialect: Dialect, _record: ConnectionPoolEntry, cargs: Any, cparams: Any
) -> Any:
    # asyncpg reports a refused or timed-out connection as a bare OSError / TimeoutError, which
    # SQLAlchemy passes through unwrapped; name it, so the boundary answers 503, not 500.
    try:
        return dialect.connect(*cargs, **cparams)
    except (OSError, TimeoutError) as error:
        raise DatabaseUnavailable(f"the database is unreachable ({error})") from error


def _create_sqlite_engine(settings: Settings) -> AsyncEngine:
    database = settings.database.database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(one_writer_url(settings.database_url), connect_args={"timeout": 5})
    event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
    event.listen(engine.sync_engine, "before_cursor_execute", before_cursor_execute)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # WAL lets the web process read while the in-process jobs write (one at a time: see
    # app/sqlite_writer.py); SQLite leaves foreign keys off unless asked on every connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: objects stay readable after the boundary commits (e.g. to render
    # the response), without a lazy load on a closed transaction.
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def insert_or_skip(
    session: AsyncSession, model: type[SQLModel], values: dict[str, Any], unique: list[str]
) -> int | None:
    """INSERT … ON CONFLICT (unique) DO NOTHING RETURNING id, on PostgreSQL and SQLite: the new
    row's id, or None when a row with the same unique values already exists. One statement, so
    concurrent duplicates cannot both insert (no SELECT-then-INSERT race)."""
    dialect = session.get_bind().dialect.name
    statement = _skip_statement(dialect, model, tuple(values), tuple(unique), ("id",))
    new_id: int | None = (await session.exec(statement, params=values)).scalar_one_or_none()
    return new_id


async def insert_many_or_skip(
    session: AsyncSession,
    model: type[SQLModel],
    rows: list[dict[str, Any]],
    unique: list[str],
    returning: tuple[str, ...],
) -> list[tuple[Any, ...]]:
    """`insert_or_skip` for many rows of one shape in one round trip: the `returning` columns of
    the rows inserted (those already held are skipped)."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    statement = _skip_statement(dialect, model, tuple(rows[0]), tuple(unique), returning)
    return [tuple(row) for row in (await session.exec(statement, params=rows)).all()]


async def insert_or_skip_committed(
    engine: AsyncEngine, model: type[SQLModel], values: dict[str, Any], unique: list[str]
) -> int | None:
    """`insert_or_skip`, committed when it returns, on a connection of its own and without an
    ORM session: on PostgreSQL the INSERT runs in autocommit, one round trip where BEGIN,
    INSERT and COMMIT took three (the webhook acknowledgement's path, bench/README.md)."""
    dialect = engine.dialect.name
    statement = _skip_statement(dialect, model, tuple(values), tuple(unique), ("id",))
    async with engine.connect() as connection:
        if dialect == "postgresql":
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            new_id: int | None = (await autocommit.execute(statement, values)).scalar_one_or_none()
            return new_id
        async with connection.begin():  # SQLite: a write turn, committed at the block's end
            return (await connection.execute(statement, values)).scalar_one_or_none()


def _skip_statement(
    dialect: str,
    model: type[SQLModel],
    names: tuple[str, ...],
    unique: tuple[str, ...],
    returning: tuple[str, ...],
) -> Any:
    table = model.__table__  # type: ignore[attr-defined]

    def build() -> Any:
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(table).on_conflict_do_nothing(index_elements=list(unique))
        return statement.returning(*(table.c[name] for name in returning))

    return cached_statement(("skip", dialect, table, names, unique, returning), build)


async def upsert_if_newer(
    session: AsyncSession,
    model: type[SQLModel],
    values: dict[str, Any],
    unique: list[str],
    version: str,
) -> int | None:
    """Insert the row, or overwrite the existing one only if `values[version]` is newer than
    what it holds; one statement, so the newest state wins whatever order updates arrive in
    and however they race. The row's id when written, None when what we hold is as new."""
    statement = _newer_statement(session, model, tuple(values), tuple(unique), version, ("id",))
    written: int | None = (await session.exec(statement, params=values)).scalar_one_or_none()
    return written


async def upsert_many_if_newer(
    session: AsyncSession,
    model: type[SQLModel],
    rows: list[dict[str, Any]],
    unique: list[str],
    version: str,
    returning: tuple[str, ...],
) -> list[tuple[Any, ...]]:
    """`upsert_if_newer` for many rows of one shape in one round trip: the `returning` columns
    of the rows written. No two rows may share their unique values (PostgreSQL refuses to
    change one row twice in a statement)."""
    if not rows:
        return []
    names = tuple(rows[0])
    statement = _newer_statement(session, model, names, tuple(unique), version, returning)
    return [tuple(row) for row in (await session.exec(statement, params=rows)).all()]


def _newer_statement(
    session: AsyncSession,
    model: type[SQLModel],
    names: tuple[str, ...],
    unique: tuple[str, ...],
    version: str,
    returning: tuple[str, ...],
) -> Any:
    table = model.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name

    def build() -> Any:
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(table)
        changed = {n: statement.excluded[n] for n in names if n not in (*unique, "id")}
        return statement.on_conflict_do_update(
            index_elements=list(unique),
            set_=changed,
            where=table.c[version] < statement.excluded[version],
        ).returning(*(table.c[name] for name in returning))

    key = ("newer", dialect, table, names, unique, version, returning)
    return cached_statement(key, build)


MONEY_SCALE = 6  # decimal places kept; platforms send at most 3 (e.g. KWD, BHD)
MONEY_LIMIT = Decimal(10) ** (20 - MONEY_SCALE)  # NUMERIC(20, 6): magnitudes stay below this


class Money(TypeDecorator[Decimal]):
    """An exact decimal amount. NUMERIC(20, 6) on PostgreSQL. SQLite's NUMERIC is a float, so
    there it is an INTEGER count of millionths: exact, and SUM() in SQL stays exact (label such
    sums `type_=Money()` to read them back as decimals)."""

    impl = Numeric(20, MONEY_SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(20, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"money must be a Decimal, not {type(value).__name__}")
        exact = value.quantize(_MONEY_QUANTUM)
        return int(exact.scaleb(MONEY_SCALE)) if dialect.name == "sqlite" else exact

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-MONEY_SCALE).quantize(_MONEY_QUANTUM)
        return Decimal(str(value))


_MONEY_QUANTUM = Decimal(1).scaleb(-MONEY_SCALE)


_STATEMENTS: dict[tuple[Any, ...], Any] = {}


def cached_statement(key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    """A statement construct built once per shape and run with parameters: on the hot path
    (every webhook, every rollup delta) building an INSERT … ON CONFLICT costs more than
    running it. `key` names everything the construct depends on."""
    statement = _STATEMENTS.get(key)
    if statement is None:
        statement = _STATEMENTS[key] = build()
    return statement


async def lock(session: AsyncSession, keys: Iterable[str]) -> None:
    """Serialise work on records across transactions (PostgreSQL; SQLite has one writer), by
    keys such as `order:<shop>:<id>`: two changes to one order, or to one customer's orders,
    applied at once would each miss the other's and move the rollups by the wrong delta. Many
    keys are taken in one statement, in the order of their hashes, so two transactions locking
    overlapping sets cannot deadlock (PostgreSQL evaluates a volatile target list after the
    sort)."""
    wanted = list(set(keys))
    if not wanted or session.get_bind().dialect.name != "postgresql":
        return
    await session.exec(_LOCK, params={"keys": wanted})  # type: ignore[call-overload]


_LOCK = text(
    "SELECT pg_advisory_xact_lock(hashed) FROM "
    "(SELECT DISTINCT hashtext(key) AS hashed FROM unnest(CAST(:keys AS text[])) AS key) AS h "
    "ORDER BY hashed"
)


async def lock_shared(session: AsyncSession, key: str) -> None:
    """`lock` in shared mode: many transactions hold `key` at once, and each keeps out the one
    that takes it with `lock` (one lock for work on many records — a lock per record taken by
    one transaction can fill PostgreSQL's lock table)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.exec(_LOCK_SHARED, params={"key": key})  # type: ignore[call-overload]


async def try_lock(session: AsyncSession, key: str) -> bool:
    """`lock` without waiting: True if this transaction now holds `key` (always on SQLite,
    which has one writer), False if another transaction does."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    held = await session.exec(_TRY_LOCK, params={"key": key})  # type: ignore[call-overload]
    return bool(held.scalar_one())


_TRY_LOCK = text("SELECT pg_try_advisory_xact_lock(hashtext(:key))")


_LOCK_SHARED = text("SELECT pg_advisory_xact_lock_shared(hashtext(:key))")
