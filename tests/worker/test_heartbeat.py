"""Every worker process writes a heartbeat of its own: two `storeokr worker` processes are two
fresh heartbeats, listed by the operations API and counted by /readyz; stopping one takes its
heartbeat away and leaves the other's; `storeokr worker --check` passes while this host's
worker beats and fails once none does."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from app.tasks import registry
from app.worker.heartbeat import heartbeats, own_heartbeats, worker_id
from app.worker.queue import connect_arq_redis
from tests.fixtures.app import running_app
from tests.fixtures.platforms import FakeShopify, FakeWooCommerce, session_token
from tests.fixtures.settings import POSTGRES_URL, REDIS_URL
from tests.fixtures.stores import Connected, connection_settings
from tests.fixtures.waiting import eventually
from tests.test_cli import clean_env, storeokr
from tests.webhooks.helpers import install

SHOP = "heartbeat.myshopify.com"


async def start_worker(tmp_path: Path) -> asyncio.subprocess.Process:
    env = clean_env(STOREOKR_DATABASE_URL=POSTGRES_URL, STOREOKR_REDIS_URL=REDIS_URL)
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app", "worker", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def beating() -> set[str]:
    redis = connect_arq_redis(REDIS_URL)
    try:
        return {beat.worker for beat in await heartbeats(redis)}
    finally:
        await redis.aclose()


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(60):
            await process.wait()


async def test_each_worker_process_beats_on_its_own(
    pg_engine: AsyncEngine, redis: Redis, tmp_path: Path
) -> None:
    first, second = await start_worker(tmp_path), await start_worker(tmp_path)
    names = {worker_id(pid=first.pid), worker_id(pid=second.pid)}
    try:

        async def both_beat() -> bool:
            return names <= await beating()

        await eventually(both_beat, 60, "both workers' heartbeats")
        settings = connection_settings().model_copy(update={"redis_url": REDIS_URL})
        async with running_app(settings, registry) as (app, client):
            await install(Connected(app, client, settings, FakeShopify(), FakeWooCommerce()), SHOP)
            ready = (await client.get("/readyz")).json()["workers"]
            auth = {"Authorization": f"Bearer {session_token(SHOP)}"}
            listed = (await client.get("/api/v1/workers", headers=auth)).json()
        checked = storeokr("worker", "--check", cwd=tmp_path, STOREOKR_REDIS_URL=REDIS_URL)

        await stop(first)
        left = await beating()
    finally:
        await stop(first)
        await stop(second)
    after = storeokr("worker", "--check", cwd=tmp_path, STOREOKR_REDIS_URL=REDIS_URL)

    assert ready.startswith("ok (2 seen, the latest "), ready
    assert listed["mode"] == "arq"
    assert {entry["worker"] for entry in listed["workers"]} == names
    assert all(isinstance(entry["jobs_complete"], int) for entry in listed["workers"]), listed
    assert checked.returncode == 0, checked.stderr
    assert all(f"worker {name} wrote its heartbeat" in checked.stdout for name in names)
    assert left == {worker_id(pid=second.pid)}  # the stopped one's went with it
    assert after.returncode == 1
    assert f"no worker on {socket.gethostname()}" in after.stderr


async def test_another_hosts_worker_is_listed_but_is_not_this_hosts(redis: Redis) -> None:
    await redis.psetex(
        "storeokr:workers:elsewhere:7", 61_000, b"Dec-01 10:00:00 j_complete=3 j_failed=1 queued=2"
    )

    connection = connect_arq_redis(REDIS_URL)
    try:
        everyone = await heartbeats(connection)
    finally:
        await connection.aclose()
    here = await own_heartbeats(REDIS_URL)

    assert [(beat.worker, beat.host, beat.counts["j_failed"]) for beat in everyone] == [
        ("elsewhere:7", "elsewhere", 1)
    ]
    assert everyone[0].seen_seconds_ago < 5
    assert here == []
