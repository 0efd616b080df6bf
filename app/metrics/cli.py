"""`storeokr metrics rebuild`: recompute a shop's rollups from the mirror, or check them."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli_support import check_schema_or_exit, fail, run_or_exit, settings_or_exit
from app.metrics.rebuild import differences, rebuild
from app.runtime import Runtime

metrics_cli = typer.Typer(help="Metric rollups.", no_args_is_help=True)


@metrics_cli.command("rebuild")
def rebuild_command(
    shop_id: Annotated[int, typer.Argument(help="The shop's id (`storeokr shop list`).")],
    check: Annotated[
        bool, typer.Option("--check", help="Report differences; change nothing.")
    ] = False,
) -> None:
    """Recompute the shop's rollups from the mirror (with --check: only compare)."""
    settings = settings_or_exit()
    check_schema_or_exit(settings)

    async def work(runtime: Runtime) -> list[str]:
        async with runtime.transaction() as session:
            found = await differences(session, shop_id)
            if found and not check:
                await rebuild(session, shop_id)
            return found

    found = run_or_exit(settings, work)
    for line in found:
        typer.echo(line)
    if check and found:
        fail(f"{len(found)} rollup rows differ from the mirror: run without --check to rebuild")
    typer.echo("rollups rebuilt" if found else "rollups agree with the mirror")
