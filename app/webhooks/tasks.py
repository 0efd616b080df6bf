"""Inbox jobs: process one event; redeliver events whose enqueue was lost; empty old bodies;
and the dispatcher, which runs beside every arq worker's jobs."""

from __future__ import annotations

import logging

from app.db import utcnow
from app.integrations.events import NormalisationError
from app.webhooks import service
from app.webhooks.dispatcher import dispatch_forever
from app.worker import JobContext, registry
from app.worker.execution import max_tries_for

logger = logging.getLogger(__name__)


@registry.task(name=service.PROCESS_TASK)
async def process_event(ctx: JobContext, event_id: int) -> None:
    """Process one event (embedded mode), or retry one the dispatcher could not (alone: the
    dispatcher applies the shop's other events in order)."""
    try:
        await service.process(ctx, event_id, alone=ctx.runtime.inbox_dispatched)
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
    await service.redeliver_stale(ctx.session, dispatched=ctx.runtime.inbox_dispatched)


registry.cron(redeliver, second={30})


@registry.task(name="webhooks.prune_bodies")
async def prune_bodies(ctx: JobContext) -> None:
    """Retention: handled webhook bodies are kept `webhook_body_retention_days`, then emptied."""
    pruned = await service.prune_old_bodies(ctx.runtime, utcnow())
    if pruned:
        logger.info("emptied the bodies of %d handled webhook events", pruned)


registry.cron(prune_bodies, hour={3}, minute={17}, second={0})


registry.service(dispatch_forever)
