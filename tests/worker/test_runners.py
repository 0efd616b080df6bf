"""Both job runners, over real connections: the embedded runner in this process, and a real arq
worker reading real Redis. Each test task records what it saw when it ran."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from arq.worker import Worker
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from app.runtime import Runtime
from app.schema import ensure_schema
from app.shops.models import Shop
from app.startup import open_runtime
from app.worker import JobContext, enqueue_after_commit
from app.worker.arq_worker import worker_settings
from app.worker.embedded import EmbeddedJobRunner
from app.worker.tasks import Task, TaskRegistry
from tests.fixtures.database import empty_all_tables
from tests.fixtures.objects import create_shop
from tests.fixtures.settings import REDIS_URL, make_settings, sqlite_url

ARQ_QUEUE = "arq:queue"


class Boom(Exception):
    pass


@dataclass
class Recorder:
    """Test tasks on their own registry; `runs` lists (shop domain seen, attempt) per run."""

    registry: TaskRegistry
    runs: list[tuple[str | None, int]] = field(default_factory=list)
    failures_left: int = 0

    def __post_init__(self) -> None:
        @self.registry.task(name="tests.see_shop")
        async def see_shop(ctx: JobContext, shop_id: int) -> None:
            shop = await ctx.session.get(Shop, shop_id)
            self.runs.append((shop.domain if shop else None, ctx.attempt))
            if self.failures_left:
                self.failures_left -= 1
                raise Boom("failing on purpose")

        self.see_shop: Task[[int]] = see_shop


@pytest.fixture
def recorder(task_registry: TaskRegistry) -> Recorder:
    return Recorder(task_registry)


@pytest.fixture(params=["embedded", "embedded-sqlite", "arq"])
async def runtime(
    request: pytest.FixtureRequest,
    pg_engine: AsyncEngine,
    redis: Redis,
    recorder: Recorder,
    tmp_path: Path,
) -> AsyncIterator[Runtime]:
    """A runtime whose transactions commit, sending jobs to the runner under test."""
    await empty_all_tables(pg_engine)
    if request.param == "embedded-sqlite":
        settings = make_settings(database_url=sqlite_url(tmp_path))
        await ensure_schema(settings)
    else:
        settings = make_settings(redis_url=REDIS_URL if request.param == "arq" else "")
    async with open_runtime(settings, recorder.registry) as opened:
        yield opened
    await empty_all_tables(pg_engine)


async def run_queued_jobs(runtime: Runtime, registry: TaskRegistry) -> None:
    """Run every queued job to completion with the runtime's runner."""
    if isinstance(runtime.jobs, EmbeddedJobRunner):
        await runtime.jobs.drain()
        return
    options = worker_settings(runtime.settings, registry)
    options.update(burst=True, handle_signals=False, poll_delay=0.01, job_completion_wait=0)
    worker = Worker(**options)
    try:
        await worker.main()
    finally:
        await worker.close()


async def enqueue_then_fail(runtime: Runtime, recorder: Recorder) -> None:
    async with runtime.transaction() as session:
        doomed = await create_shop(session, domain="rolled-back.myshopify.com")
        enqueue_after_commit(session, recorder.see_shop.job(doomed.id or 0))
        raise Boom


async def test_committed_job_runs_once_and_rolled_back_job_never(
    runtime: Runtime, recorder: Recorder
) -> None:
    async with runtime.transaction() as session:
        shop = await create_shop(session, domain="committed.myshopify.com")
        enqueue_after_commit(session, recorder.see_shop.job(shop.id or 0))
    with pytest.raises(Boom):
        await enqueue_then_fail(runtime, recorder)

    await run_queued_jobs(runtime, recorder.registry)

    # Once, and it saw its committed row; the rolled-back job (and row) never existed.
    assert recorder.runs == [("committed.myshopify.com", 1)]


async def test_same_job_id_is_queued_once(runtime: Runtime, recorder: Recorder) -> None:
    async with runtime.transaction() as session:
        shop = await create_shop(session)
        for _ in range(3):
            enqueue_after_commit(session, recorder.see_shop.job(shop.id or 0).keyed("shop:1"))

    await run_queued_jobs(runtime, recorder.registry)

    assert len(recorder.runs) == 1


async def test_failed_job_is_retried_until_it_succeeds(
    runtime: Runtime, recorder: Recorder
) -> None:
    recorder.failures_left = 2
    async with runtime.transaction() as session:
        shop = await create_shop(session)
        enqueue_after_commit(session, recorder.see_shop.job(shop.id or 0))

    await run_queued_jobs(runtime, recorder.registry)

    assert [attempt for _, attempt in recorder.runs] == [1, 2, 3]


async def test_job_stops_after_max_tries(runtime: Runtime, recorder: Recorder) -> None:
    recorder.failures_left = 100
    async with runtime.transaction() as session:
        shop = await create_shop(session)
        enqueue_after_commit(session, recorder.see_shop.job(shop.id or 0))

    await run_queued_jobs(runtime, recorder.registry)

    assert len(recorder.runs) == runtime.settings.job_max_tries


async def test_nothing_reaches_redis_from_a_rolled_back_transaction(
    pg_engine: AsyncEngine, redis: Redis, recorder: Recorder
) -> None:
    await empty_all_tables(pg_engine)
    async with open_runtime(make_settings(redis_url=REDIS_URL), recorder.registry) as runtime:
        with pytest.raises(Boom):
            await enqueue_then_fail(runtime, recorder)
        assert await redis.zcard(ARQ_QUEUE) == 0

        async with runtime.transaction() as session:
            shop = await create_shop(session)
            enqueue_after_commit(session, recorder.see_shop.job(shop.id or 0))
            assert await redis.zcard(ARQ_QUEUE) == 0  # not before the commit
        assert await redis.zcard(ARQ_QUEUE) == 1
    await empty_all_tables(pg_engine)
