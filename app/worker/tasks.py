"""Tasks: what a task receives, and the registry that declares each task once for both runners.

A *task* is an async function `fn(ctx, *ids)`; a *job* (`app.worker.jobs.Job`) is one call of
it waiting to run. The runtime a task receives is named for the type checker only: the runtime
sends jobs, so it imports `app.worker.jobs` and never this module, and the worker needs nothing
of the runtime at import time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec

from sqlmodel.ext.asyncio.session import AsyncSession

from app.worker.jobs import Job

if TYPE_CHECKING:
    from app.runtime import Runtime


@dataclass(frozen=True)
class JobContext:
    """A task's view of the world: the shared runtime and its own unit of work."""

    runtime: Runtime
    session: AsyncSession
    attempt: int  # 1 on the first run
    job_id: str | None


P = ParamSpec("P")
TaskFunction = Callable[Concatenate[JobContext, P], Awaitable[None]]
# A service runs for as long as an arq worker process does, beside its jobs (the inbox's
# dispatcher); it is cancelled when the worker stops.
Service = Callable[["Runtime"], Coroutine[Any, Any, None]]


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
        self._services: list[Service] = []

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

    def service(self, run: Service) -> Service:
        """Run `run(runtime)` in every arq worker process for its lifetime."""
        self._services.append(run)
        return run

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

    @property
    def services(self) -> tuple[Service, ...]:
        return tuple(self._services)


# The application's registry. Feature packages declare tasks with `@registry.task()` in their
# tasks.py; app/tasks.py imports every such module so that both runners see them all.
registry = TaskRegistry()
