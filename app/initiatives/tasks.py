"""Initiative jobs: the minute's recovery sweep and the hourly win-back sweep, a keyed daily run
per win-back initiative and shop-local day, and one keyed job per enrollment and step."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import utcnow
from app.errors import AppError
from app.initiatives import recovery, win_back
from app.runtime import Runtime
from app.worker import JobContext, Task, enqueue_after_commit, registry
from app.worker.execution import max_tries_for
from app.worker.jobs import Job


@registry.task(name="initiatives.sweep_recoveries")
async def sweep_recoveries(ctx: JobContext) -> None:
    """Enroll what a lost subscriber missed, and queue every recovery step that is due."""
    now = utcnow()
    await recovery.enroll_missed(ctx.session, now)
    for enrollment_id, step in await recovery.due_steps(ctx.session, now):
        enqueue_after_commit(ctx.session, step_job(enrollment_id, step))


registry.cron(sweep_recoveries, second={30})


@registry.task(name="initiatives.send_recovery_step")
async def send_recovery_step(ctx: JobContext, enrollment_id: int, step: int) -> None:
    """Send one step of one enrollment, if still due and wanted (safe to run twice)."""
    await send_or_give_up(
        ctx, send_recovery_step, recovery.send_step, recovery.give_up, enrollment_id, step
    )


SendStep = Callable[[Runtime, AsyncSession, int, int, datetime], Awaitable[None]]
GiveUp = Callable[[AsyncSession, int, int, datetime], Awaitable[None]]


async def send_or_give_up(
    ctx: JobContext,
    task: Task[Any],
    send: SendStep,
    give_up: GiveUp,
    enrollment_id: int,
    step: int,
) -> None:
    try:
        await send(ctx.runtime, ctx.session, enrollment_id, step, utcnow())
    except AppError:
        # The SMTP server (or, for a win-back code, the store) refused or could not be
        # reached: retried with backoff; after the last try the enrollment stops (its send log
        # row says why), so the sweep does not queue it again every time.
        if ctx.attempt >= max_tries_for(task, ctx.runtime.settings.job_max_tries):
            # The job's own transaction holds the enrollment's row lock and is rolled back
            # anyway: end it first, or giving up would wait on it until the job times out.
            await ctx.session.rollback()
            async with ctx.runtime.transaction() as session:
                await give_up(session, enrollment_id, step, utcnow())
        raise


def step_job(enrollment_id: int, step: int) -> Job:
    return send_recovery_step.job(enrollment_id, step).keyed(f"recovery:{enrollment_id}:{step}")


# --- Win-back -------------------------------------------------------------------------------


@registry.task(name="initiatives.sweep_win_back")
async def sweep_win_back(ctx: JobContext) -> None:
    """Queue the daily run of each win-back initiative whose shop-local hour has come (keyed
    by the shop's local day), and every win-back step that is due."""
    now = utcnow()
    for due in await win_back.due_runs(ctx.session, now):
        job = run_win_back.job(due.initiative_id, due.local_day.isoformat())
        key = f"win-back-run:{due.initiative_id}:{due.local_day.isoformat()}"
        enqueue_after_commit(ctx.session, job.keyed(key))
    for enrollment_id, step in await win_back.due_steps(ctx.session, now):
        enqueue_after_commit(ctx.session, win_back_step_job(enrollment_id, step))


registry.cron(sweep_win_back, minute={5}, second={0})


@registry.task(name="initiatives.run_win_back")
async def run_win_back(ctx: JobContext, initiative_id: int, local_day: str) -> None:
    """One initiative's run for one shop-local day (the day's run is claimed once): enroll
    the lapsed customers and queue their first e-mail."""
    day = date.fromisoformat(local_day)
    for enrollment_id in await win_back.run(ctx.session, initiative_id, day, utcnow()):
        enqueue_after_commit(ctx.session, win_back_step_job(enrollment_id, 1))


@registry.task(name="initiatives.send_win_back_step")
async def send_win_back_step(ctx: JobContext, enrollment_id: int, step: int) -> None:
    """Send one win-back step (creating the customer's code on the store once); safe to run
    twice."""
    await send_or_give_up(
        ctx, send_win_back_step, win_back.send_step, win_back.give_up, enrollment_id, step
    )


def win_back_step_job(enrollment_id: int, step: int) -> Job:
    return send_win_back_step.job(enrollment_id, step).keyed(f"win-back:{enrollment_id}:{step}")
