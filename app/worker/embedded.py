"""The in-process job runner of the embedded default (no Redis).

It runs the same registered tasks through the same `execute` as the arq worker, with the same
retry policy, job-id de-duplication (while a job waits or runs) and cron schedules, inside the
web (or CLI) process. Jobs still waiting when the process stops are dropped: like a lost
enqueue under arq, their work is found again by the sweeps that read the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from arq.cron import next_cron

from app.runtime import Runtime
from app.worker.execution import execute, max_tries_for, retry_after_failure, timeout_for
from app.worker.jobs import Job
from app.worker.tasks import CronSchedule, TaskRegistry

logger = logging.getLogger(__name__)

SHUTDOWN_GRACE_S = 10.0


@dataclass(frozen=True)
class _Attempt:
    job: Job
    number: int
    max_tries: int | None = None  # None: the task's (or the default)


class EmbeddedJobRunner:
    """A `JobQueue` that runs its jobs on this event loop with bounded concurrency."""

    def __init__(
        self,
        registry: TaskRegistry,
        *,
        concurrency: int,
        default_max_tries: int,
        retry_base_seconds: float,
        default_timeout: timedelta,
    ) -> None:
        self._registry = registry
        self._concurrency = concurrency
        self._default_max_tries = default_max_tries
        self._retry_base_seconds = retry_base_seconds
        self._default_timeout = default_timeout
        self._queue: asyncio.Queue[_Attempt] = asyncio.Queue()
        self._active_ids: set[str] = set()
        self._retry_timers: set[asyncio.TimerHandle] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._runtime: Runtime | None = None
        self._closed = False

    def start(self, runtime: Runtime, *, run_cron: bool) -> None:
        self._runtime = runtime
        self._tasks = [
            asyncio.create_task(self._work(), name=f"embedded-worker-{n}")
            for n in range(self._concurrency)
        ]
        if run_cron:
            for schedule in self._registry.schedules:
                self._tasks.append(asyncio.create_task(self._tick(schedule)))

    async def send(self, job: Job) -> None:
        self._submit(job)

    def _submit(self, job: Job, max_tries: int | None = None) -> None:
        if self._closed:
            logger.warning("job %s not queued: the embedded runner is stopping", job.task)
            return
        self._registry.get(job.task)  # fail at the caller for an unknown task name
        if job.job_id is not None:
            if job.job_id in self._active_ids:
                logger.debug("job %s already queued or running; not queued again", job.job_id)
                return
            self._active_ids.add(job.job_id)
        delay_s = job.defer_by.total_seconds() if job.defer_by else 0
        self._put_later(_Attempt(job, 1, max_tries), delay_s)

    async def drain(self) -> None:
        """Wait until every queued job, retries included, has finished (tests and CLI use it)."""
        while True:
            await self._queue.join()
            if not self._retry_timers and self._queue.empty():
                return
            await asyncio.sleep(0.05)

    async def stop(self, grace_s: float = SHUTDOWN_GRACE_S) -> None:
        """Stop taking jobs, let queued ones finish for up to `grace_s`, then cancel the rest."""
        self._closed = True
        for timer in self._retry_timers:
            timer.cancel()
        self._retry_timers.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), timeout=grace_s)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if not self._queue.empty():
            logger.warning("embedded runner stopped with %d jobs unrun", self._queue.qsize())

    def _put_later(self, attempt: _Attempt, delay_s: float) -> None:
        if delay_s <= 0:
            self._queue.put_nowait(attempt)
            return
        loop = asyncio.get_running_loop()

        def put() -> None:
            self._retry_timers.discard(timer)
            self._queue.put_nowait(attempt)

        timer = loop.call_later(delay_s, put)
        self._retry_timers.add(timer)

    async def _work(self) -> None:
        while True:
            attempt = await self._queue.get()
            try:
                await self._run(attempt)
            finally:
                self._queue.task_done()

    async def _run(self, attempt: _Attempt) -> None:
        assert self._runtime is not None, "start() the runner before sending jobs"
        job = attempt.job
        task = self._registry.get(job.task)
        max_tries = attempt.max_tries or max_tries_for(task, self._default_max_tries)
        try:
            async with asyncio.timeout(timeout_for(task, self._default_timeout).total_seconds()):
                await execute(
                    self._runtime,
                    task,
                    job.args,
                    job.kwargs,
                    attempt=attempt.number,
                    job_id=job.job_id,
                )
        except Exception as error:
            base = self._retry_base_seconds
            delay = retry_after_failure(task, attempt.number, max_tries, base, error)
            if delay is not None and not self._closed:
                retry = _Attempt(job, attempt.number + 1, attempt.max_tries)
                self._put_later(retry, delay.total_seconds())
                return
        if job.job_id is not None:
            self._active_ids.discard(job.job_id)

    async def _tick(self, schedule: CronSchedule) -> None:
        options = schedule.arq_options()
        # Keyed by the task: a run still going when the next is due is not doubled. A failed
        # periodic run is not retried (as under arq): the next tick does the same work.
        job = schedule.task.job().keyed(f"cron:{schedule.task.name}")
        if schedule.run_at_startup:
            self._submit(job, max_tries=1)
        while True:
            now = datetime.now(UTC)
            due = next_cron(now, **options, microsecond=0)
            await asyncio.sleep((due - now).total_seconds())
            self._submit(job, max_tries=1)
