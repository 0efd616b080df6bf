"""The one way a job is executed under either runner, and the retry policy they share."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from app.runtime import Runtime
from app.worker.tasks import JobContext, Task

logger = logging.getLogger(__name__)

RETRY_MAX_DELAY = timedelta(minutes=10)


async def execute(
    runtime: Runtime,
    task: Task[Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    attempt: int,
    job_id: str | None,
) -> None:
    """Run one attempt of a job inside its own transaction (committed only if it succeeds)."""
    async with runtime.transaction() as session:
        await task.fn(JobContext(runtime, session, attempt, job_id), *args, **kwargs)


def retry_delay(attempt: int, base_seconds: float) -> timedelta:
    """Exponential backoff after failed attempt number `attempt`: base, 2×base, 4×base … ≤ 10 min
    (with the default 5 s base: 5 s, 10 s, 20 s, 40 s)."""
    delay = timedelta(seconds=base_seconds) * (1 << max(attempt - 1, 0))
    return min(delay, RETRY_MAX_DELAY)


def max_tries_for(task: Task[Any], default: int) -> int:
    return task.max_tries if task.max_tries is not None else default


def timeout_for(task: Task[Any], default: timedelta) -> timedelta:
    return task.timeout if task.timeout is not None else default


def retry_after_failure(
    task: Task[Any], attempt: int, max_tries: int, base_seconds: float, error: BaseException
) -> timedelta | None:
    """Log a failed attempt; return the delay before the next one, or None when the tries are
    used up (the same decision under arq and the embedded runner)."""
    if attempt >= max_tries:
        logger.error("job %s failed for good after %d attempts", task.name, attempt, exc_info=error)
        return None
    delay = retry_delay(attempt, base_seconds)
    logger.warning(
        "job %s failed (attempt %d of %d), retrying in %gs: %r",
        task.name,
        attempt,
        max_tries,
        delay.total_seconds(),
        error,
    )
    return delay
