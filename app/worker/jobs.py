"""Tasks, jobs and the registry that declares each task once for both job runners.

A *task* is an async function `fn(ctx, *ids)`; a *job* is one call of it waiting to run.
Jobs carry ids, never payloads or ORM objects, and every task is safe to run twice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec

if TYPE_CHECKING:
    from app.worker.context import JobContext

P = ParamSpec("P")
TaskFunction = Callable[Concatenate["JobContext", P], Awaitable[None]]


@dataclass(frozen=True)
class Job:
    """One call of a task, waiting to be sent to a runner."""

    task: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    # A job id makes the enqueue idempotent while the job waits (arq's `_job_id`).
    job_id: str | None = None
    defer_by: timedelta | None = None

    def keyed(self, job_id: str) -> Job:
        return dataclasses.replace(self, job_id=job_id)

    def deferred(self, delay: timedelta) -> Job:
        return dataclasses.replace(self, defer_by=delay)


@dataclass(frozen=True)
class Task(Generic[P]):
    name: str
    fn: TaskFunction[P]
    max_tries: int | None = None  # None: the runner's default (STOREOKR_JOB_MAX_TRIES)
    # None: STOREOKR_JOB_TIMEOUT_SECONDS. Keep jobs short: arq holds a dead worker's job for the
    # longest timeout of all tasks before another worker may run it (long work goes in chunks).
    timeout: timedelta | None = None

    def job(self, *args: P.args, **kwargs: P.kwargs) -> Job:
        """The job that calls this task with these arguments (type-checked against the task)."""
        return Job(self.name, tuple(args), dict(kwargs))


@dataclass(frozen=True)
class CronSchedule:
    """When a periodic task runs, in UTC; `None` means every value (arq's cron semantics)."""

    task: Task[[]]
    hour: frozenset[int] | None = None
    minute: frozenset[int] | None = None
    second: frozenset[int] | None = frozenset({0})
    run_at_startup: bool = False

    def arq_options(self) -> dict[str, Any]:
        return {
            "hour": _as_set(self.hour),
            "minute": _as_set(self.minute),
            "second": _as_set(self.second),
        }


def _as_set(values: frozenset[int] | None) -> set[int] | None:
    return set(values) if values is not None else None


class TaskRegistry:
    """Every task and cron schedule of a worker, declared once, read by both runners."""

    def __init__(self) -> None:
        self._tasks: dict[str, Task[Any]] = {}
        self._schedules: list[CronSchedule] = []

    def task(
        self,
        name: str | None = None,
        *,
        max_tries: int | None = None,
        timeout: timedelta | None = None,
    ) -> Callable[[TaskFunction[P]], Task[P]]:
        def register(fn: TaskFunction[P]) -> Task[P]:
            declared = Task(name or f"{fn.__module__}.{fn.__name__}", fn, max_tries, timeout)
            if declared.name in self._tasks:
                raise ValueError(f"task {declared.name!r} is declared twice")
            self._tasks[declared.name] = declared
            return declared

        return register

    def cron(
        self,
        task: Task[[]],
        *,
        hour: AbstractSet[int] | None = None,
        minute: AbstractSet[int] | None = None,
        second: AbstractSet[int] | None = frozenset({0}),
        run_at_startup: bool = False,
    ) -> CronSchedule:
        if task.name not in self._tasks:
            raise ValueError(f"cron schedule for unregistered task {task.name!r}")
        schedule = CronSchedule(
            task,
            hour=frozenset(hour) if hour is not None else None,
            minute=frozenset(minute) if minute is not None else None,
            second=frozenset(second) if second is not None else None,
            run_at_startup=run_at_startup,
        )
        self._schedules.append(schedule)
        return schedule

    def get(self, name: str) -> Task[Any]:
        try:
            return self._tasks[name]
        except KeyError:
            raise LookupError(f"no task named {name!r} is registered") from None

    def __iter__(self) -> Iterator[Task[Any]]:
        return iter(self._tasks.values())

    @property
    def schedules(self) -> tuple[CronSchedule, ...]:
        return tuple(self._schedules)


# The application's registry. Feature packages declare tasks with `@registry.task()` in their
# tasks.py; app/tasks.py imports every such module so that both runners see them all.
registry = TaskRegistry()
