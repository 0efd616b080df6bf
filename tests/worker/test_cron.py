"""Cron schedules run under both runners from the same declaration."""

from __future__ import annotations

import asyncio

from arq.worker import Worker
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from app.startup import open_runtime
from app.worker import JobContext
from app.worker.arq_worker import worker_settings
from app.worker.tasks import TaskRegistry
from tests.fixtures.settings import REDIS_URL, make_settings


def ticking_registry(ticks: list[int]) -> TaskRegistry:
    registry = TaskRegistry()

    @registry.task(name="tests.tick")
    async def tick(ctx: JobContext) -> None:
        ticks.append(ctx.attempt)

    # Every second, and once at start-up.
    registry.cron(tick, second=None, run_at_startup=True)
    return registry


async def test_embedded_runner_runs_cron_at_startup_and_on_schedule(pg_engine: AsyncEngine) -> None:
    ticks: list[int] = []
    async with open_runtime(make_settings(), ticking_registry(ticks)):
        await asyncio.sleep(2.5)
    # At start-up, then on at least one schedule tick; periodic runs are never retried.
    assert len(ticks) >= 2
    assert set(ticks) == {1}


async def test_embedded_runner_without_cron_schedules_nothing(pg_engine: AsyncEngine) -> None:
    ticks: list[int] = []
    async with open_runtime(make_settings(), ticking_registry(ticks), run_cron=False):
        await asyncio.sleep(1.2)
    assert ticks == []


async def test_arq_worker_runs_the_same_cron_schedule(pg_engine: AsyncEngine, redis: Redis) -> None:
    ticks: list[int] = []
    registry = ticking_registry(ticks)
    options = worker_settings(make_settings(redis_url=REDIS_URL), registry)
    options.update(handle_signals=False, poll_delay=0.01)
    worker = Worker(**options)
    running = asyncio.create_task(worker.main())
    await asyncio.sleep(2.5)
    await worker.close()  # stops the worker as a signal would
    await asyncio.gather(running, return_exceptions=True)
    assert len(ticks) >= 2
    assert set(ticks) == {1}
