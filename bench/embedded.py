"""The embedded default under load (issue #20, acceptance 5): `storeokr serve` on SQLite with
its in-process jobs, loaded by `bench.load` at 200 deliveries a second for 60 s, against the bare
FastAPI endpoint at the same rate in the same run. Afterwards: every delivery answered 200,
every inbox row handled, one order per delivery, the rollups equal to a rebuild from the mirror
(nothing counted twice), and no `database is locked` in the server's log.

    .venv/bin/python -m bench.embedded                         # 200/s for 60 s
    .venv/bin/python -m bench.embedded --quick                 # CI: 50/s for 3 s
    .venv/bin/python -m bench.embedded --server-root /work/main   # another checkout's code
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.models import Order
from app.config import Settings
from app.db import create_engine
from app.integrations.platforms import Platform
from app.metrics.rebuild import differences
from app.schema import upgrade
from app.shops.models import Shop
from app.webhooks.models import EventStatus, WebhookEvent
from bench.ack import SECRET, SHOP, load
from bench.common import ROOT, free_port, save, serving

HANDLED_WITHIN_S = 300.0


def sqlite_settings(database: Path) -> Settings:
    return Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{database}", redis_url="")


async def prepare(database: Path) -> None:
    engine = create_engine(sqlite_settings(database))
    await upgrade(engine)
    async with AsyncSession(engine) as session, session.begin():
        session.add(
            Shop(
                platform=Platform.SHOPIFY, domain=SHOP, name="Bench", currency="EUR",
                timezone="Europe/Berlin",
            )
        )  # fmt: skip
    await engine.dispose()


def server_environment(database: Path, server_root: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(server_root),
        "STOREOKR_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "STOREOKR_REDIS_URL": "",
        "STOREOKR_SHOPIFY_API_KEY": "bench",
        "STOREOKR_SHOPIFY_API_SECRET": SECRET,
        "STOREOKR_LOG_LEVEL": "WARNING",
        "STOREOKR_WEBHOOK_RATE_LIMIT_PER_MINUTE": "0",
    }


async def outcome(database: Path) -> dict[str, Any]:
    """What the inbox and the mirror hold once no delivery waits (or the wait is over)."""
    engine = create_engine(sqlite_settings(database))
    try:
        deadline = time.monotonic() + HANDLED_WITHIN_S
        while True:
            async with AsyncSession(engine) as session:
                statuses = (await session.exec(select(WebhookEvent.status))).all()
                waiting = sum(status == EventStatus.PENDING for status in statuses)
                if not waiting or time.monotonic() > deadline:
                    orders = (await session.exec(select(func.count(col(Order.id))))).one()
                    shop = (await session.exec(select(Shop.id))).one()
                    problems = await differences(session, shop or 0)
                    break
            await asyncio.sleep(1)
    finally:
        await engine.dispose()
    return {
        "inbox": len(statuses),
        "handled": sum(status == EventStatus.HANDLED for status in statuses),
        "waiting": waiting,
        "orders": orders,
        "rollups_equal_rebuild": not problems,
    }


def main(quick: bool, server_root: Path) -> dict[str, Any]:
    rate, seconds = (50.0, 3.0) if quick else (200.0, 60.0)
    app_port, bare_port = free_port(), free_port()
    with tempfile.TemporaryDirectory(prefix="storeokr-embedded-") as scratch:
        database, log = Path(scratch) / "storeokr.db", Path(scratch) / "server.log"
        asyncio.run(prepare(database))
        environment = server_environment(database, server_root)
        app = [sys.executable, "-m", "app", "serve", "--port", str(app_port)]
        bare = [sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--port", str(bare_port),
                "--log-level", "warning"]  # fmt: skip
        with log.open("w") as output, serving(app, app_port, environment, cwd=server_root,
                                              output=output) as app_url:  # fmt: skip
            ours = load(app_url, seconds, rate=rate)
            held = asyncio.run(outcome(database))
        with serving(bare, bare_port, environment) as bare_url:
            base = load(bare_url, seconds, rate=rate)
        locked = log.read_text().count("database is locked")
    ratio = round(ours["throughput_per_s"] / max(base["throughput_per_s"], 0.1), 2)
    print(
        f"{rate:.0f}/s for {seconds:.0f} s: storeokr {ours['throughput_per_s']}/s p50 "
        f"{ours['p50_ms']} ms p99 {ours['p99_ms']} ms errors {ours['errors']} | bare "
        f"{base['throughput_per_s']}/s p99 {base['p99_ms']} ms | ratio {ratio} | {held} | "
        f"'database is locked' in the log: {locked}",
        flush=True,
    )
    return {
        "server_root": str(server_root),
        "rate_per_s": rate,
        "seconds": seconds,
        "storeokr": ours,
        "bare": base,
        "throughput_ratio": ratio,
        **held,
        "database_is_locked_in_log": locked,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small run; for CI")
    parser.add_argument("--server-root", type=Path, default=ROOT, help="checkout whose app runs")
    parser.add_argument("--save-as", default="embedded", help="results file name")
    arguments = parser.parse_args()
    result = main(arguments.quick, arguments.server_root.resolve())
    if not arguments.quick:
        print(save(arguments.save_as, result))
