"""`storeokr shop forget`: erase a shop and all of its data (listed with the shop commands)."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli_support import check_schema_or_exit, run_or_exit, settings_or_exit
from app.privacy.service import erase_shop
from app.runtime import Runtime
from app.shops.service import require_shop


def forget(
    shop_id: Annotated[int, typer.Argument(help="The shop's id (`storeokr shop list`).")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase the shop and every row of its data (WooCommerce's equivalent of shop/redact)."""
    settings = settings_or_exit()
    check_schema_or_exit(settings)
    if not yes:
        typer.confirm(
            f"Erase shop {shop_id} and all of its data? This cannot be undone", abort=True
        )

    async def work(runtime: Runtime) -> None:
        async with runtime.transaction() as session:
            await require_shop(session, shop_id)
            await erase_shop(session, shop_id)

    run_or_exit(settings, work)
    typer.echo(f"shop {shop_id} and all its data erased")
