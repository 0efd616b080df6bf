"""Freshness: from a webhook POST to the key result's new value on a browser's event stream,
with `storeokr serve` (production, 2 workers), an arq `storeokr worker` and background load
(issue #8).

The load (100/s, then 500/s, by `bench.load` in its own process) goes to one shop; probes go to
a second, quiet shop every half second, so each probe's messages on that shop's stream are its
own: the time from its POST to the `metrics` message and to the `key_results` message is
measured for each.

    .venv/bin/python -m bench.freshness            # 20 s per rate
    .venv/bin/python -m bench.freshness --quick    # CI: 3 s at 20/s, asserts nothing
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import math
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import create_engine, utcnow
from app.demo.okrs import Goal, add_revenue_objective
from app.integrations.platforms import Platform
from app.shops.login_links import create_login_link
from app.shops.models import Shop
from bench.ack import APP_PORT, SECRET, SHOP, prepare, server_environment
from bench.common import ROOT, bench_settings, save, serving
from bench.load import ORDER

PROBE_SHOP = "probe.myshopify.com"
PROBE_EVERY_S = 0.5
TIMEOUT_S = 10.0
READY_WITHIN_S = 180  # a loaded machine takes a while to start two web workers and a worker


async def probe_shop_with_a_key_result() -> None:
    """The probe shop and a metric key result on its orders."""
    settings = bench_settings()
    engine = create_engine(settings)
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        shop = Shop(platform=Platform.SHOPIFY, domain=PROBE_SHOP, name="Probe", currency="EUR",
                    timezone="UTC")  # fmt: skip
        session.add(shop)
        await session.flush()
        await add_revenue_objective(session, shop, [Goal("Orders", "orders", Decimal(100_000))])
    await engine.dispose()


def probe_delivery() -> tuple[dict[str, str], bytes]:
    order_id = uuid.uuid4().int % 10**12
    now = utcnow().replace(microsecond=0).isoformat()
    body = json.dumps({**ORDER, "id": order_id, "created_at": now, "updated_at": now}).encode()
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": PROBE_SHOP,
        "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": now,
    }, body


@asynccontextmanager
async def stream(client: httpx.AsyncClient, cookie: str) -> AsyncIterator[asyncio.Queue[Any]]:
    heard: asyncio.Queue[tuple[float, str]] = asyncio.Queue()

    async def read() -> None:
        async with client.stream("GET", "/api/v1/events", headers={"Cookie": cookie}) as r:
            async for line in r.aiter_lines():
                if line.startswith("data: "):
                    kind = json.loads(line.removeprefix("data: "))["kind"]
                    heard.put_nowait((time.perf_counter(), kind))

    reader = asyncio.create_task(read())
    try:
        yield heard
    finally:
        reader.cancel()


async def probe(client: httpx.AsyncClient, heard: asyncio.Queue[Any]) -> dict[str, float]:
    while not heard.empty():
        heard.get_nowait()
    headers, body = probe_delivery()
    posted = time.perf_counter()
    await client.post("/webhooks/shopify", headers=headers, content=body)
    arrived: dict[str, float] = {}
    deadline = posted + TIMEOUT_S
    while len(arrived) < 2 and time.perf_counter() < deadline:
        try:
            at, kind = await asyncio.wait_for(heard.get(), deadline - time.perf_counter())
        except TimeoutError:
            break
        if kind in ("metrics", "key_results") and kind not in arrived:
            arrived[kind] = (at - posted) * 1000
    return arrived


def summary(samples: list[float]) -> dict[str, Any]:
    if not samples:
        return {"n": 0}
    samples = sorted(samples)
    p95 = samples[max(0, math.ceil(0.95 * len(samples)) - 1)]  # nearest rank
    return {"n": len(samples), "p50_ms": round(statistics.median(samples), 1),
            "p95_ms": round(p95, 1)}  # fmt: skip


async def measure(url: str, login: str, rate: float, seconds: float) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        signed_in = await client.get(f"/auth/{login}", follow_redirects=False)
        cookie = "; ".join(
            part.split(";", 1)[0] for part in signed_in.headers.get_list("set-cookie")
        )
        load = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.load", url, "--shop", SHOP, "--secret", SECRET,
            "--rate", str(rate), "--seconds", str(seconds),
            cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        metrics, key_results, lost = [], [], 0
        async with stream(client, cookie) as heard:
            await asyncio.sleep(0.5)
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline:
                arrived = await probe(client, heard)
                lost += "key_results" not in arrived
                metrics += [arrived["metrics"]] if "metrics" in arrived else []
                key_results += [arrived["key_results"]] if "key_results" in arrived else []
                await asyncio.sleep(PROBE_EVERY_S)
        output = (await load.communicate())[0].decode()
    return {
        "load": json.loads(output.strip().splitlines()[-1]),
        "metrics_message": summary(metrics),
        "key_results_message": summary(key_results),
        "probes_without_key_results": lost,
    }


def main(quick: bool, server_root: Path = ROOT) -> dict[str, Any]:
    asyncio.run(prepare(server_root))
    asyncio.run(probe_shop_with_a_key_result())
    # `python -m app` from `server_root` (as in bench.ack): the venv's `storeokr` script runs the
    # checkout it was installed from, whichever one this benchmark is in.
    storeokr = [sys.executable, "-m", "app"]
    environment = {**server_environment(), "PYTHONPATH": str(server_root)}
    workers = "1" if quick else "2"
    rates, seconds = ((20.0,), 3.0) if quick else ((100.0, 500.0), 20.0)
    results: dict[str, Any] = {"uvicorn_workers": int(workers), "seconds": seconds,
                               "server_root": str(server_root)}  # fmt: skip
    worker = subprocess.Popen([*storeokr, "worker"], cwd=server_root, env=environment)
    try:
        serve = [*storeokr, "serve", "--port", str(APP_PORT), "--workers", workers]
        with serving(serve, APP_PORT, environment, READY_WITHIN_S, server_root) as url:
            for rate in rates:
                login = asyncio.run(probe_shop_login())
                outcome = asyncio.run(measure(url, login, rate, seconds))
                results[f"{rate:g}/s"] = outcome
                print(f"{rate:g}/s: {json.dumps(outcome)}", flush=True)
    finally:
        worker.terminate()
        worker.wait(30)
    return results


async def probe_shop_login() -> str:
    """A fresh one-time login link for the next round."""
    settings = bench_settings()
    engine = create_engine(settings)
    async with AsyncSession(engine) as session, session.begin():
        shop = (await session.exec(select(Shop).where(Shop.domain == PROBE_SHOP))).one()
        link = await create_login_link(session, settings, shop)
    await engine.dispose()
    return link.split("/auth/", 1)[1]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small run; for CI")
    parser.add_argument("--server-root", type=Path, default=ROOT, help="checkout whose app runs")
    parser.add_argument("--save-as", default="freshness", help="results file name")
    arguments = parser.parse_args()
    result = main(arguments.quick, arguments.server_root.resolve())
    if not arguments.quick:
        print(save(arguments.save_as, result))
