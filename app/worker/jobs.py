"""A job: one call of a task, waiting to be sent to a runner.

Jobs carry ids, never payloads or ORM objects, and every task is safe to run twice. What a task
is, and the registry that declares it, is `app.worker.tasks`: a job is plain data, so the queue,
the after-commit buffer and the runtime that send jobs need nothing else of the worker.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any


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
