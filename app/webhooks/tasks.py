"""Inbox jobs: process one event; redeliver events whose enqueue was lost."""

from __future__ import annotations

from app.integrations.events import NormalisationError
from app.webhooks import service
from app.worker import JobContext, registry
from app.worker.execution import max_tries_for


@registry.task(name=service.PROCESS_TASK)
async def process_event(ctx: JobContext, event_id: int) -> None:
    try:
        await service.process(ctx, event_id)
    except NormalisationError as error:
        # The payload itself is wrong: another try would read it the same way. Park it now.
        await service.record_failure(ctx.runtime, event_id, error, final=True)
    except Exception as error:
        tries = max_tries_for(process_event, ctx.runtime.settings.job_max_tries)
        await service.record_failure(ctx.runtime, event_id, error, final=ctx.attempt >= tries)
        raise


@registry.task(name="webhooks.redeliver")
async def redeliver(ctx: JobContext) -> None:
    """Re-enqueue events still unhandled a few minutes after receipt."""
    await service.redeliver_stale(ctx.session)


registry.cron(redeliver, second={30})
