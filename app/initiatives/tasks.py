"""Initiative jobs: the minute's recovery sweep, and one keyed job per enrollment and step."""

from __future__ import annotations

from app.db import utcnow
from app.errors import AppError
from app.initiatives import recovery
from app.worker import JobContext, enqueue_after_commit, registry
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
    try:
        await recovery.send_step(ctx.runtime, ctx.session, enrollment_id, step, utcnow())
    except AppError:
        # The SMTP server refused or could not be reached: retried with backoff; after the
        # last try the enrollment stops (its send log row says smtp_error), so the sweep does
        # not queue it again every minute.
        if ctx.attempt >= max_tries_for(send_recovery_step, ctx.runtime.settings.job_max_tries):
            async with ctx.runtime.transaction() as session:
                await recovery.give_up(session, enrollment_id, step, utcnow())
        raise


def step_job(enrollment_id: int, step: int) -> Job:
    return send_recovery_step.job(enrollment_id, step).keyed(f"recovery:{enrollment_id}:{step}")
