"""Running async work from a CLI command with the same runtime as the service."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import NoReturn, TypeVar

import typer
from sqlalchemy.exc import OperationalError

from app.config import Settings, SettingsError, load_settings
from app.errors import AppError
from app.runtime import Runtime
from app.schema import ensure_schema
from app.worker.embedded import EmbeddedJobRunner

T = TypeVar("T")

# `storeokr demo` keeps a database of its own, beside the working directory's default one, so
# that a first look never mixes with real shops; commands given `--demo` read the same file.
DEMO_DATA_DIR = Path("var/demo")
DEMO_DATABASE = DEMO_DATA_DIR / "storeokr.db"
DEMO_SETTINGS: dict[str, object] = {
    "env": "development",
    "database_url": f"sqlite+aiosqlite:///{DEMO_DATABASE}",
    "redis_url": "",
}


def fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(f"storeokr: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def settings_or_exit(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except SettingsError as error:
        fail(str(error), code=2)


def database_named(settings: Settings) -> str:
    """The database a command reads, as a person finds it: a SQLite file's full path, else the
    URL without its password."""
    url = settings.database
    if settings.is_sqlite and url.database:
        return str(Path(url.database).resolve())
    return url.render_as_string(hide_password=True)


def check_schema_or_exit(settings: Settings) -> None:
    try:
        asyncio.run(ensure_schema(settings))
    except AppError as error:
        fail(error.message)


def run_or_exit(settings: Settings, work: Callable[[Runtime], Awaitable[T]]) -> T:
    """`run_with_runtime`, with a domain error printed as one line instead of a traceback."""
    try:
        return run_with_runtime(settings, work)
    except AppError as error:
        fail(error.message)
    except OperationalError as error:
        # Another process held SQLite's one write lock longer than the busy timeout: a
        # `storeokr demo` loading its history, typically. Not a fault to show as a traceback.
        if not (settings.is_sqlite and "database is locked" in str(error)):
            raise
        fail(
            f"the database {database_named(settings)} is busy: another process (a running "
            "`storeokr demo`?) is writing to it; try again in a moment"
        )


def valid_or_exit(check: Callable[[], T]) -> T:
    """The value of `check()`, or exit 2 with its domain error (bad command-line input)."""
    try:
        return check()
    except AppError as error:
        fail(error.message, code=2)


RuntimeOpener = Callable[[Settings], AbstractAsyncContextManager[Runtime]]
# How a command opens its runtime (every task, webhook topic and subscriber wired): told once at
# start by the CLI's composition root (`app.cli`), so that the commands of lower packages never
# import the layers above them.
_opener: list[RuntimeOpener] = []


def open_runtimes_with(opener: RuntimeOpener) -> None:
    _opener[:] = [opener]


def run_with_runtime(settings: Settings, work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Open a runtime (no cron), run `work`, and in embedded mode finish the jobs it queued
    before returning; with Redis, the workers run them."""
    if not _opener:
        raise RuntimeError("the CLI opens runtimes once app.cli has wired them")

    async def main() -> T:
        async with _opener[0](settings) as runtime:
            result = await work(runtime)
            if isinstance(runtime.jobs, EmbeddedJobRunner):
                await runtime.jobs.drain()
            return result

    return asyncio.run(main())
