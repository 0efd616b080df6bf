"""Shared by the benchmarks: a scratch PostgreSQL database, migrated, and a timer."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.db import create_engine
from app.schema import upgrade

ROOT = Path(__file__).parent.parent
RESULTS = Path(__file__).parent / "results"
BENCH_URL = os.environ.get(
    "STOREOKR_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/storeokr_bench"
)


def bench_settings() -> Settings:
    # The benchmarks' stores run on loopback.
    return Settings(
        _env_file=None, database_url=BENCH_URL, redis_url="", allow_private_store_addresses=True
    )


async def fresh_database(server_root: Path = ROOT) -> AsyncEngine:
    """Drop and recreate the bench database, migrated to the head of `server_root`'s
    migrations (another checkout's server refuses a schema it does not know)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    target = make_url(BENCH_URL)
    admin = await asyncpg.connect(
        host=target.host, port=target.port, user=target.username, database="postgres"
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{target.database}"')
    finally:
        await admin.close()
    engine = create_engine(bench_settings())
    if server_root == ROOT:
        await upgrade(engine)
        return engine
    environment = {**os.environ, "PYTHONPATH": str(server_root), "STOREOKR_DATABASE_URL": BENCH_URL}
    migrate = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app", "migrate", cwd=server_root, env=environment
    )
    if await migrate.wait() != 0:
        raise RuntimeError(f"`storeokr migrate` failed in {server_root}")
    return engine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def timed(action: Callable[[], Awaitable[Any]], runs: int) -> dict[str, float]:
    """Median and p95 of `runs` calls after two warm-up calls, in milliseconds."""
    for _ in range(2):
        await action()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await action()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 3),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 3),
    }


def machine() -> dict[str, Any]:
    return {
        "machine": f"{platform.node()} ({os.cpu_count()} cores, {platform.machine()})",
        "python": platform.python_version(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def save(name: str, result: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({**machine(), **result}, indent=2, default=str) + "\n")
    return path


@contextmanager
def serving(
    command: list[str], port: int, environment: dict[str, str] | None = None,
    ready_within: float = 60, cwd: Path = ROOT, output: IO[str] | None = None,
) -> Iterator[str]:  # fmt: skip
    """Run a server process until the block ends; its URL once `/healthz` answers (`output`:
    where its stdout and stderr go)."""
    errors = subprocess.STDOUT if output else None
    process = subprocess.Popen(command, cwd=cwd, env=environment, stdout=output, stderr=errors)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{command} exited with {process.returncode}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code in (200, 404):
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise RuntimeError(f"{command} did not start")
        yield url
    finally:
        process.terminate()
        process.wait(30)
