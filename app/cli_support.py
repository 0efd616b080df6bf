"""Running async work from a CLI command with the same runtime as the service."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import NoReturn, TypeVar

import typer

from app.config import Settings, SettingsError, load_settings
from app.errors import AppError
from app.runtime import Runtime
from app.schema import ensure_schema
from app.worker.embedded import EmbeddedJobRunner

T = TypeVar("T")


def fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(f"storeokr: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def settings_or_exit(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except SettingsError as error:
        fail(str(error), code=2)


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
