from __future__ import annotations

import asyncio
import contextlib
import re
from pathlib import Path

from arq.worker import Worker
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from app.tasks import registry
from app.worker.arq_worker import worker_settings
from tests.fixtures.app import running_app
from tests.fixtures.settings import REDIS_URL, UNREACHABLE_REDIS_URL, make_settings, sqlite_url
from tests.fixtures.waiting import eventually


async def test_healthz_answers_while_alive(pg_engine: AsyncEngine) -> None:
    async with running_app(make_settings()) as (_, client):
        response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_ready_with_postgres_and_redis(
    pg_engine: AsyncEngine, redis: Redis
) -> None:
    async with running_app(make_settings(redis_url=REDIS_URL)) as (_, client):
        response = await client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"] == {"database": "ok", "redis": "ok"}
    assert body["workers"].startswith("no worker seen")


async def test_readyz_is_ok_while_a_worker_beats_and_says_so_once_it_stopped(
    pg_engine: AsyncEngine, redis: Redis
) -> None:
    settings = make_settings(redis_url=REDIS_URL)
    options = worker_settings(settings, registry)
    options.update(handle_signals=False, poll_delay=0.01)
    worker = Worker(**options)
    running = asyncio.create_task(worker.main())
    try:
        await eventually(lambda: redis.exists(options["health_check_key"]), 30, "a heartbeat")
        async with running_app(settings) as (_, client):
            alive = (await client.get("/readyz")).json()["workers"]
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        await worker.close()  # a worker that stops deletes its heartbeat
    async with running_app(settings) as (_, client):
        stopped = (await client.get("/readyz")).json()["workers"]

    seen = re.fullmatch(r"ok \(1 seen, the latest (\d+)s ago\)", alive)
    assert seen, alive
    assert int(seen.group(1)) <= 61
    assert stopped.startswith("no worker seen in the last 60s")


async def test_readyz_names_redis_while_it_is_unreachable(pg_engine: AsyncEngine) -> None:
    async with running_app(make_settings(redis_url=UNREACHABLE_REDIS_URL)) as (_, client):
        response = await client.get("/readyz")
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "unavailable"
    assert error["message"].startswith("not ready: redis: ")
    assert "database" not in error["message"]
    assert error["details"]["checks"]["database"] == "ok"


async def test_readyz_on_the_embedded_default(tmp_path: Path) -> None:
    async with running_app(make_settings(database_url=sqlite_url(tmp_path))) as (_, client):
        response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "embedded"}
    assert response.json()["workers"] == "embedded"


async def test_front_door_without_a_sign_in_points_to_the_api_docs(
    pg_engine: AsyncEngine,
) -> None:
    async with running_app(make_settings()) as (_, client):
        front = await client.get("/")
        docs = await client.get("/api/docs")
    assert front.status_code == 401  # the dashboard needs a shop (tests/admin)
    assert 'href="/api/docs"' in front.text
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
