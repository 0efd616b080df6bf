"""Migrations run both ways on PostgreSQL and SQLite, and match the models exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import AsyncEngine

import app.models  # noqa: F401  (every table on the metadata)
from app.db import create_engine, metadata
from app.errors import SchemaNotReady
from app.schema import (
    alembic_config,
    current_revision,
    downgrade,
    ensure_schema,
    head_revision,
    upgrade,
)
from tests.fixtures.database import recreate_postgres_database
from tests.fixtures.settings import POSTGRES_URL, make_settings, sqlite_url

SCRATCH_POSTGRES_URL = POSTGRES_URL.rsplit("/", 1)[0] + "/storeokr_test_migrations"


@pytest.fixture(params=["postgresql", "sqlite"])
async def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncEngine:
    if request.param == "postgresql":
        await recreate_postgres_database(SCRATCH_POSTGRES_URL)
        return create_engine(make_settings(database_url=SCRATCH_POSTGRES_URL))
    return create_engine(make_settings(database_url=sqlite_url(tmp_path)))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, metadata))


async def test_migrations_upgrade_downgrade_and_upgrade_again(empty_engine: AsyncEngine) -> None:
    head = head_revision(alembic_config(str(empty_engine.url)))
    try:
        await upgrade(empty_engine)
        assert await current_revision(empty_engine) == head
        async with empty_engine.connect() as connection:
            assert await connection.run_sync(_tables) == {t.name for t in metadata.sorted_tables}

        await downgrade(empty_engine, "base")
        assert await current_revision(empty_engine) is None
        async with empty_engine.connect() as connection:
            assert await connection.run_sync(_tables) == set()

        await upgrade(empty_engine)
        assert await current_revision(empty_engine) == head
    finally:
        await empty_engine.dispose()


async def test_models_and_migrations_have_not_drifted(empty_engine: AsyncEngine) -> None:
    try:
        await upgrade(empty_engine)
        async with empty_engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
    finally:
        await empty_engine.dispose()


def test_every_constraint_follows_the_naming_convention() -> None:
    for table in metadata.sorted_tables:
        for constraint in table.constraints:
            assert constraint.name, f"unnamed constraint on {table.name}"
            assert str(constraint.name).split("_")[0] in {"pk", "fk", "uq", "ck"}


async def test_embedded_sqlite_migrates_itself(tmp_path: Path) -> None:
    settings = make_settings(database_url=sqlite_url(tmp_path))
    await ensure_schema(settings)
    engine = create_engine(settings)
    try:
        assert await current_revision(engine) == head_revision(
            alembic_config(settings.database_url)
        )
    finally:
        await engine.dispose()


async def test_postgres_behind_head_refuses_to_serve() -> None:
    await recreate_postgres_database(SCRATCH_POSTGRES_URL)
    with pytest.raises(SchemaNotReady, match="storeokr migrate"):
        await ensure_schema(make_settings(database_url=SCRATCH_POSTGRES_URL))
