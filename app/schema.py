"""The database schema's lifecycle: Alembic upgrade/downgrade and the start-up check.

Policy for a database that is not at the code's head revision:
- SQLite (the embedded default) migrates itself at start-up: a laptop needs no extra step.
- PostgreSQL never does: `storeokr migrate` (the compose `migrate` service) upgrades it, and a
  web or worker process refuses to start on an outdated schema, naming the command to run.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.db import create_engine
from app.errors import SchemaNotReady

# A checkout keeps migrations/ beside the package; the built wheel ships them inside it.
SOURCE_MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def migrations_directory() -> Path:
    """Where the Alembic scripts are: `app/migrations` in an installed wheel (package data,
    mapped at build time), else the checkout's top-level `migrations/`."""
    packaged = files("app").joinpath("migrations")
    if packaged.is_dir():
        return Path(str(packaged))
    return SOURCE_MIGRATIONS


def alembic_config(database_url: str) -> Config:
    # No alembic.ini: an installed copy has none, and the URL and scripts are set here anyway.
    config = Config()
    config.set_main_option("script_location", str(migrations_directory()))
    config.set_main_option("path_separator", "os")
    # Read by migrations/env.py in place of the settings, so tests can aim at their database.
    config.attributes["database_url"] = database_url
    return config


def head_revision(config: Config) -> str | None:
    return ScriptDirectory.from_config(config).get_current_head()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    await _run(engine, lambda config: command.upgrade(config, revision))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    await _run(engine, lambda config: command.downgrade(config, revision))


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def ensure_schema(settings: Settings) -> None:
    """Bring the embedded database up to date, or refuse an outdated PostgreSQL schema."""
    engine = create_engine(settings)
    try:
        if settings.is_sqlite:
            await upgrade(engine)
            return
        current = await current_revision(engine)
        head = head_revision(alembic_config(settings.database_url))
        if current != head:
            raise SchemaNotReady(
                f"the database schema is at {current or 'no revision'} but this code needs "
                f"{head}: run `storeokr migrate` first",
                details={"current": current, "head": head},
            )
    finally:
        await engine.dispose()


async def _run(engine: AsyncEngine, step: Callable[[Config], None]) -> None:
    url = engine.url.render_as_string(hide_password=False)

    def in_connection(connection: Connection) -> None:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        step(config)

    async with engine.begin() as connection:
        await connection.run_sync(in_connection)
