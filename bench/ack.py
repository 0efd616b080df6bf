"""Webhook acknowledgement: `storeokr serve` in production mode (PostgreSQL + Redis, 2 uvicorn
workers as compose.yaml runs it) against a bare FastAPI endpoint answering 200, in the same run
on the same machine, loaded by `bench.load` in its own process (issue #8).

Each delivery is a signed, unique Shopify `orders/create`. Acknowledging it means verifying the
signature and storing it in the inbox (one prepared INSERT on the raw asyncpg pool; the workers'
dispatcher takes it from there, and no worker runs here: the inbox only grows). Scenarios:
100/s and 500/s open loop, then saturation (64 concurrent senders).

    .venv/bin/python -m bench.ack            # 20 s per scenario
    .venv/bin/python -m bench.ack --quick    # CI: 2 s, 1 worker, asserts nothing
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from sqlmodel.ext.asyncio.session import AsyncSession

from app.integrations.platforms import Platform
from app.shops.models import Shop
from bench.common import BENCH_URL, ROOT, free_port, fresh_database, save, serving

SHOP, SECRET = "bench.myshopify.com", "bench-shopify-secret"
REDIS_URL = os.environ.get("STOREOKR_BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
APP_PORT, BARE_PORT = free_port(), free_port()


def server_environment() -> dict[str, str]:
    return {
        **os.environ,
        "STOREOKR_ENV": "production",
        "STOREOKR_SECRET_KEY": "bench-secret-key-" + "0123456789" * 5,
        "STOREOKR_DATABASE_URL": BENCH_URL,
        "STOREOKR_REDIS_URL": REDIS_URL,
        "STOREOKR_SHOPIFY_API_KEY": "bench",
        "STOREOKR_SHOPIFY_API_SECRET": SECRET,
        "STOREOKR_LOG_LEVEL": "WARNING",
        # One shop takes the whole load: what is measured is the receiver, not its limit.
        "STOREOKR_WEBHOOK_RATE_LIMIT_PER_MINUTE": "0",
    }


async def prepare(server_root: Path = ROOT) -> None:
    engine = await fresh_database(server_root)
    async with AsyncSession(engine) as session, session.begin():
        session.add(
            Shop(
                platform=Platform.SHOPIFY, domain=SHOP, name="Bench", currency="EUR",
                timezone="Europe/Berlin",
            )
        )  # fmt: skip
    await engine.dispose()
    redis = Redis.from_url(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()


def load(url: str, seconds: float, rate: float = 0, concurrency: int = 64) -> dict[str, Any]:
    options = ["--seconds", str(seconds), "--rate", str(rate), "--concurrency", str(concurrency)]
    command = [sys.executable, "-m", "bench.load", url, "--shop", SHOP, "--secret", SECRET]
    done = subprocess.run(command + options, cwd=ROOT, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(
    quick: bool, server_root: Path = ROOT, limit_on: bool = False, saturation_only: bool = False
) -> dict[str, Any]:
    asyncio.run(prepare(server_root))
    workers, seconds = ("1", 2.0) if quick else ("2", 20.0)
    scenarios = {"100/s": {"rate": 100.0}} if quick else {"100/s": {"rate": 100.0},
                                                          "500/s": {"rate": 500.0}}  # fmt: skip
    if saturation_only:
        scenarios = {}
    scenarios["saturation"] = {"concurrency": 64}
    # `python -m app` from `server_root`: the venv's `storeokr` script runs the checkout it was
    # installed from, whichever one this benchmark is in.
    app = [sys.executable, "-m", "app", "serve", "--port", str(APP_PORT), "--workers", workers]
    bare = [sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--port", str(BARE_PORT),
            "--workers", workers, "--log-level", "warning"]  # fmt: skip
    results: dict[str, Any] = {"uvicorn_workers": int(workers), "seconds": seconds,
                               "webhook_rate_limit": limit_on}  # fmt: skip
    environment = {**server_environment(), "PYTHONPATH": str(server_root)}
    if limit_on:  # the product's default per-shop limit, counted in Redis on every delivery
        del environment["STOREOKR_WEBHOOK_RATE_LIMIT_PER_MINUTE"]
    with (
        serving(app, APP_PORT, environment, cwd=server_root) as app_url,
        serving(bare, BARE_PORT, environment) as bare_url,
    ):
        for name, options in scenarios.items():
            ours = load(app_url, seconds, **options)  # type: ignore[arg-type]
            base = load(bare_url, seconds, **options)  # type: ignore[arg-type]
            ratio = round(ours["throughput_per_s"] / max(base["throughput_per_s"], 0.1), 2)
            results[name] = {"storeokr": ours, "bare": base, "throughput_ratio": ratio}
            print(
                f"{name:11} storeokr {ours['throughput_per_s']:7.1f}/s p50 {ours['p50_ms']} ms "
                f"p99 {ours['p99_ms']} ms errors {ours['errors']} | bare "
                f"{base['throughput_per_s']:7.1f}/s p50 {base['p50_ms']} ms p99 {base['p99_ms']} "
                f"ms | ratio {ratio}",
                flush=True,
            )
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small run; for CI")
    parser.add_argument("--server-root", type=Path, default=ROOT, help="checkout whose app runs")
    parser.add_argument("--save-as", default="ack", help="results file name")
    parser.add_argument("--limit-on", action="store_true", help="keep the per-shop rate limit")
    parser.add_argument("--saturation-only", action="store_true", help="only the closed loop")
    arguments = parser.parse_args()
    root = arguments.server_root.resolve()
    outcome = main(arguments.quick, root, arguments.limit_on, arguments.saturation_only)
    if not arguments.quick:
        print(save(arguments.save_as, {"server_root": str(arguments.server_root), **outcome}))
