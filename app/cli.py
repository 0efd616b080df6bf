"""The `storeokr` command: serve, worker, migrate, demo."""

from __future__ import annotations

import asyncio
import shutil
import socket
from contextlib import AbstractAsyncContextManager
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

import typer
import uvicorn

from app.cli_support import (
    DEMO_DATA_DIR,
    DEMO_SETTINGS,
    check_schema_or_exit,
    fail,
    open_runtimes_with,
    settings_or_exit,
)
from app.config import Settings
from app.errors import AppError
from app.logs import configure_logging
from app.runtime import Runtime

cli = typer.Typer(
    name="storeokr",
    help="StoreOKR: live OKRs for online stores.",
    no_args_is_help=True,
    add_completion=False,
)

HostOption = Annotated[str, typer.Option(help="Address to listen on.")]
PortOption = Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)]


def _installed_version() -> str:
    try:
        return version("storeokr")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def _print_version(asked: bool) -> None:
    if asked:
        typer.echo(f"storeokr {_installed_version()}")
        raise typer.Exit()


@cli.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the installed version and exit.",
            is_eager=True,
            callback=_print_version,
        ),
    ] = False,
) -> None:
    """StoreOKR: live OKRs for online stores."""


def _add_subcommands() -> None:
    from app.ingest.cli import backfill
    from app.metrics.cli import metrics_cli
    from app.privacy.cli import forget
    from app.shops.cli import shop_cli

    shop_cli.command("forget")(forget)
    cli.add_typer(shop_cli, name="shop")
    cli.add_typer(metrics_cli, name="metrics")
    cli.command()(backfill)


def main() -> None:
    _add_subcommands()
    open_runtimes_with(_wired_runtime)
    cli()


def _wired_runtime(settings: Settings) -> AbstractAsyncContextManager[Runtime]:
    """A command's runtime: every task, webhook topic and subscriber, no cron."""
    from app.startup import open_runtime
    from app.tasks import registry
    from app.wiring import event_bus, personal_data, webhook_topics

    return open_runtime(
        settings,
        registry,
        run_cron=False,
        events=event_bus(),
        webhook_topics=webhook_topics(),
        personal_data=personal_data(),
    )


@cli.command()
def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    workers: Annotated[
        int, typer.Option(help="Web worker processes (needs Redis if > 1).", min=1)
    ] = 1,
) -> None:
    """Run the web service; with no Redis configured it also runs the jobs and cron."""
    settings = settings_or_exit()
    if settings.embedded_jobs and workers > 1:
        fail(
            "embedded mode runs jobs inside the web process, so it takes one worker: "
            "set STOREOKR_REDIS_URL and run `storeokr worker` to serve with more"
        )
    check_schema_or_exit(settings)
    _run_uvicorn(settings, host, port, workers)


@cli.command()
def worker(
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Run no worker: exit 0 if this host's worker wrote its own heartbeat in the "
            "last minute, 1 if not (the container's health check; /readyz reports the same).",
        ),
    ] = False,
) -> None:
    """Run an arq worker: jobs and cron from Redis (STOREOKR_REDIS_URL)."""
    from arq.worker import Worker

    from app.tasks import registry
    from app.wiring import event_bus, personal_data, webhook_topics
    from app.worker.arq_worker import worker_settings

    settings = settings_or_exit()
    if settings.embedded_jobs:
        fail("STOREOKR_REDIS_URL is empty: in embedded mode `storeokr serve` runs the jobs")
    if check:
        _check_heartbeat(settings.redis_url)
        return
    check_schema_or_exit(settings)
    configure_logging(settings.log_level, json_lines=settings.json_logs)
    options = worker_settings(
        settings,
        registry,
        events=event_bus(),
        webhook_topics=webhook_topics(),
        personal_data=personal_data(),
    )
    Worker(**options).run()


def _check_heartbeat(redis_url: str) -> None:
    from redis.exceptions import RedisError

    from app.worker.heartbeat import HEARTBEAT_INTERVAL_S, own_heartbeats

    try:
        found = asyncio.run(own_heartbeats(redis_url))
    except (RedisError, OSError) as error:
        fail(f"Redis cannot be reached ({error})")
    if not found:
        fail(
            f"no worker on {socket.gethostname()} wrote its heartbeat in the last "
            f"{HEARTBEAT_INTERVAL_S}s (other hosts' workers do not count)"
        )
    for beat in found:
        typer.echo(f"worker {beat.worker} wrote its heartbeat {beat.seen_seconds_ago:.0f}s ago")


@cli.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Upgrade the database schema (to the newest revision by default)."""
    from app.db import create_engine
    from app.schema import upgrade

    settings = settings_or_exit()

    async def run() -> None:
        engine = create_engine(settings)
        try:
            await upgrade(engine, revision)
        finally:
            await engine.dispose()

    try:
        asyncio.run(run())
    except AppError as error:
        fail(error.message)
    typer.echo(f"database at {revision} ({settings.database.get_backend_name()})")


@cli.command()
def demo(host: HostOption = "127.0.0.1", port: PortOption = 8000) -> None:
    """Serve a fresh embedded database (SQLite, in-process jobs) for a first look."""
    shutil.rmtree(DEMO_DATA_DIR, ignore_errors=True)
    settings = settings_or_exit(**DEMO_SETTINGS)
    check_schema_or_exit(settings)
    from app.demo.runner import attach_demo, demo_settings, demo_shops, this_year_so_far
    from app.main import create_app

    base_url = f"http://{host}:{port}"
    settings = demo_settings(settings, base_url)
    app = create_app(settings)
    attach_demo(app, demo_shops(base_url), base_url, history_since=this_year_so_far())
    typer.secho(f"StoreOKR demo: {base_url}/  (health: {base_url}/healthz)", fg=typer.colors.GREEN)
    typer.echo(
        "Two simulated stores (Shopify and WooCommerce) send orders, checkouts and refunds as "
        "signed webhooks; "
        "watch them land with `storeokr shop list --demo` (from this directory) and the API at "
        "/api/docs."
    )
    configure_logging(settings.log_level, json_lines=settings.json_logs)
    uvicorn.run(app, host=host, port=port, log_config=None, timeout_graceful_shutdown=20)


def _run_uvicorn(settings: Settings, host: str, port: int, workers: int) -> None:
    from app.main import create_app

    configure_logging(settings.log_level, json_lines=settings.json_logs)
    if workers == 1:
        # One process: hand uvicorn the app built from these settings rather than letting it
        # re-read the environment.
        uvicorn.run(
            create_app(settings),
            host=host,
            port=port,
            log_config=None,
            proxy_headers=True,
            timeout_graceful_shutdown=20,
        )
        return
    uvicorn.run(
        "app.main:serve_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        proxy_headers=True,
        timeout_graceful_shutdown=20,
    )
