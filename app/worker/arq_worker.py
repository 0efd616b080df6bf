"""The arq worker: the registry's tasks and cron schedules, run from Redis.

`storeokr worker` builds an `arq.Worker` from `worker_settings()`; the options are the same
ones an arq `WorkerSettings` class would hold.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from contextlib import AsyncExitStack
from datetime import UTC, timedelta
from typing import Any

from arq import Retry
from arq.connections import RedisSettings
from arq.cron import CronJob, cron
from arq.typing import WorkerCoroutine
from arq.worker import Function, func

from app.config import Settings
from app.events import EventBus
from app.runtime import Runtime
from app.startup import open_runtime
from app.topic_routing import TopicRouting
from app.worker.execution import execute, max_tries_for, retry_after_failure, timeout_for
from app.worker.heartbeat import HEARTBEAT_INTERVAL_S, heartbeat_key, worker_id
from app.worker.queue import ArqJobQueue
from app.worker.tasks import CronSchedule, Task, TaskRegistry

# arq's job-id guard must cover the time a job waits or runs, as the embedded runner's does:
# keeping results would refuse a re-enqueue of the same id (e.g. a redelivery) for that long.
KEEP_RESULT_S = 0
# On SIGTERM arq stops taking jobs and waits this long for running ones before cancelling them;
# a cancelled job is run again by the next worker (arq re-queues it), so work is not lost.
JOB_COMPLETION_WAIT_S = 25
# arq reads up to `queue_read_limit` job ids, runs them `max_jobs` at a time, then sleeps
# `poll_delay`. With its 0.5 s default a worker starts at most ~100 jobs a second however
# short they are, and there is one job per webhook: a ceiling below a flash sale's rate
# (bench/freshness.py measured no change at 100/s on 2 cores, where the CPU limits first).
# Polling every 50 ms costs one sorted-set read while idle.
POLL_DELAY_S = 0.05
MAX_JOBS = 20


def worker_settings(
    settings: Settings,
    registry: TaskRegistry,
    *,
    events: EventBus | None = None,
    webhook_topics: TopicRouting[Any] | None = None,
    personal_data: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Keyword arguments for `arq.Worker` (what an arq WorkerSettings class would declare);
    `events`, `webhook_topics` and `personal_data` are what start-up registered for the
    layers above (the worker opens its runtime with them)."""
    default_tries = settings.job_max_tries
    base = settings.job_retry_base_seconds
    default_timeout = timedelta(seconds=settings.job_timeout_seconds)

    async def on_startup(ctx: dict[str, Any]) -> None:
        stack = AsyncExitStack()
        jobs = ArqJobQueue(ctx["redis"])
        ctx["runtime"] = await stack.enter_async_context(
            open_runtime(
                settings,
                registry,
                jobs=jobs,
                events=events,
                webhook_topics=webhook_topics,
                personal_data=personal_data,
            )
        )
        ctx["exit_stack"] = stack
        runtime: Runtime = ctx["runtime"]
        ctx["services"] = [
            asyncio.create_task(run(runtime), name=f"service:{run.__qualname__}")
            for run in registry.services
        ]

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        services: list[asyncio.Task[None]] = ctx.get("services", [])
        for service in services:
            service.cancel()  # a batch in flight is rolled back: its events stay to be taken
        await asyncio.gather(*services, return_exceptions=True)
        stack: AsyncExitStack | None = ctx.get("exit_stack")
        if stack is not None:
            await stack.aclose()

    return {
        "functions": [
            _arq_function(task, default_tries, base, default_timeout) for task in registry
        ],
        "cron_jobs": [_arq_cron(schedule, default_timeout) for schedule in registry.schedules],
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "max_tries": default_tries,
        "keep_result": KEEP_RESULT_S,
        "poll_delay": POLL_DELAY_S,
        "max_jobs": MAX_JOBS,
        "job_completion_wait": JOB_COMPLETION_WAIT_S,
        "handle_signals": True,
        "timezone": UTC,  # cron schedules are in UTC, as in the embedded runner
        # Each worker process's own heartbeat (app/worker/heartbeat.py), written by arq's loop.
        "health_check_key": heartbeat_key(worker_id()),
        "health_check_interval": HEARTBEAT_INTERVAL_S,
    }


def _arq_function(
    task: Task[Any], default_tries: int, retry_base_seconds: float, default_timeout: timedelta
) -> Function:
    max_tries = max_tries_for(task, default_tries)
    run = _with_retries(task, max_tries, retry_base_seconds)
    timeout = timeout_for(task, default_timeout)
    return func(run, name=task.name, max_tries=max_tries, timeout=timeout)


def _with_retries(task: Task[Any], max_tries: int, retry_base_seconds: float) -> WorkerCoroutine:
    async def run(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        runtime: Runtime = ctx["runtime"]
        attempt: int = ctx["job_try"]
        try:
            await execute(runtime, task, args, kwargs, attempt=attempt, job_id=ctx.get("job_id"))
        except Exception as error:
            delay = retry_after_failure(task, attempt, max_tries, retry_base_seconds, error)
            if delay is None:
                raise
            raise Retry(defer=delay) from error

    run.__qualname__ = task.name
    return run


def _arq_cron(schedule: CronSchedule, default_timeout: timedelta) -> CronJob:
    # A failed periodic run is not retried: the next tick does the same work.
    return cron(
        _with_retries(schedule.task, max_tries=1, retry_base_seconds=0),
        name=f"cron:{schedule.task.name}",
        run_at_startup=schedule.run_at_startup,
        unique=True,
        timeout=timeout_for(schedule.task, default_timeout),
        max_tries=1,
        **schedule.arq_options(),
    )
