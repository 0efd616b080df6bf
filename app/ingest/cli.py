"""`storeokr backfill`: load a store's history into the mirror, with progress."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated

import typer

from app.cli_support import check_schema_or_exit, run_or_exit, settings_or_exit
from app.commerce.models import StoreSync, SyncKind
from app.ingest.sync import sync_store
from app.runtime import Runtime


def backfill(
    shop_id: Annotated[int, typer.Argument(help="The shop's id (`storeokr shop list`).")],
    since: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="First day to load (UTC).")],
) -> None:
    """Read orders, checkouts and customers changed since a date from the store's API, through
    the same path as webhooks (records already held are not counted again)."""
    settings = settings_or_exit()
    check_schema_or_exit(settings)
    start = datetime.combine(date(since.year, since.month, since.day), time(), tzinfo=UTC)

    def show(sync: StoreSync) -> None:
        typer.echo(f"\r{sync.resource:<10} {sync.records:>9,} records", nl=False, err=True)

    async def work(runtime: Runtime) -> StoreSync:
        return await sync_store(runtime, shop_id, SyncKind.BACKFILL, start, show)

    sync = run_or_exit(settings, work)
    typer.echo("", err=True)
    summary = f"{sync.records} records, {sync.status.value}"
    typer.echo(f"backfill of shop {shop_id} since {start.date()}: {summary}")
