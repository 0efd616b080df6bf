"""The dispatcher: each arq worker process drains the inbox's new events, shop by shop, in
batches, instead of running one job per delivery (PostgreSQL; the embedded runner still sends
one job per event, in the process that stored it).

A round lists the shops with untried pending events, the one waiting longest first, and gives
each one transaction, a few shops side by side (`SHOPS_AT_ONCE`): the shop's advisory lock,
taken without waiting (another dispatcher that holds it is applying the shop's events: this one
moves on, so a shop's events are applied one batch at a time, in the order they arrived), then
its oldest untried event, locked (`FOR UPDATE SKIP LOCKED`), applied by the inbox's own
`process` with up to 99 of the shop's events waiting behind it — for commerce topics one batch
(`service._process_burst`). Nothing here needs Redis: the inbox is the queue. A worker killed
mid-batch leaves its transaction rolled back and its events pending and untried: the next round,
in any worker, takes them again.

A batch that fails is undone whole; its first event is then tried alone, so that one bad event
holds back no other. A failure is recorded on the event (attempts, last error), which takes it
out of the dispatcher's rounds: its retries are jobs (`webhooks.process`, with the runners'
backoff), and the redelivery sweep re-sends those whose retry was lost. After the last try it
is parked (`failed`), as before.

The dispatcher polls (every POLL_S while the inbox is empty, at once while it is not) rather
than listening for a NOTIFY: the acknowledgement stays one statement, nothing holds a
connection of its own, and a poll is one read of a partial index of pending rows.
"""

from __future__ import annotations

import asyncio
import logging

from app.db import try_lock
from app.integrations.events import NormalisationError
from app.runtime import Runtime
from app.webhooks import repository, service
from app.worker import JobContext
from app.worker.execution import retry_delay

logger = logging.getLogger(__name__)

POLL_S = 0.1  # an idle worker's reads of the inbox: well inside a second of freshness
SHOPS_PER_ROUND = 50  # a round visits this many shops, then looks again (oldest first)
# A round's shops applied side by side: one shop's batch of a hundred orders (and its
# subscribers' transactions) must not hold back another shop's single order. One after the
# other, a quiet shop's key results waited a second behind a flash sale's batches
# (bench/README.md, "Issue #20's acceptance on a quiet machine").
SHOPS_AT_ONCE = 4
AFTER_ERROR_S = 1.0  # the database is down, say: do not spin


async def dispatch_forever(runtime: Runtime) -> None:
    """Drain the inbox for as long as the process runs (a worker's service)."""
    if not runtime.inbox_dispatched:
        return  # embedded: each event has its job
    while True:
        try:
            busy = await dispatch_round(runtime)
        except Exception:
            logger.exception("the inbox dispatcher's round failed; trying again shortly")
            await asyncio.sleep(AFTER_ERROR_S)
            continue
        if not busy:
            await asyncio.sleep(POLL_S)


async def dispatch_until_idle(runtime: Runtime) -> None:
    """Rounds until no untried event is left in the inbox (tests, benchmarks); waits while
    another dispatcher holds a shop."""
    while True:
        if not await dispatch_round(runtime):
            async with runtime.transaction() as session:
                if not await repository.shops_with_untried_events(session, 1):
                    return
            await asyncio.sleep(POLL_S)


async def dispatch_round(runtime: Runtime) -> bool:
    """One batch for each shop with untried events; whether any was applied."""
    async with runtime.transaction() as session:
        shop_ids = await repository.shops_with_untried_events(session, SHOPS_PER_ROUND)
    turns = asyncio.Semaphore(SHOPS_AT_ONCE)

    async def in_turn(shop_id: int) -> bool:
        async with turns:
            return await dispatch_shop(runtime, shop_id)

    # Each shop's batches stay one at a time (its advisory lock); a failing shop fails the
    # round once all have had their turn, as it did one after the other.
    done = await asyncio.gather(*(in_turn(shop_id) for shop_id in shop_ids), return_exceptions=True)
    for outcome in done:
        if isinstance(outcome, BaseException):
            raise outcome
    return any(done)


async def dispatch_shop(runtime: Runtime, shop_id: int) -> bool:
    """The shop's oldest untried event and those waiting behind it, in one transaction; False
    if there was none or another dispatcher holds the shop."""
    first: int | None = None
    try:
        async with _time_limit(runtime), runtime.transaction() as session:
            if not await try_lock(session, f"inbox:{shop_id}"):
                return False
            event = await repository.claim_oldest_untried(session, shop_id)
            if event is None or event.id is None:
                return False
            first = event.id
            await service.process(JobContext(runtime, session, 1, None), first)
    except Exception as error:
        if first is None:
            raise
        logger.warning(
            "a batch of shop %s's events failed (%r); its first goes alone", shop_id, error
        )
        await _alone(runtime, first)
    return True


async def _alone(runtime: Runtime, event_id: int) -> None:
    """Try the event on its own; on failure record it, and queue its retry (parked after the
    last try, at once if its payload cannot be read)."""
    settings = runtime.settings
    try:
        async with _time_limit(runtime), runtime.transaction() as session:
            await service.process(JobContext(runtime, session, 1, None), event_id, alone=True)
    except NormalisationError as error:
        await service.record_failure(runtime, event_id, error, final=True)
    except Exception as error:
        parked = await service.record_failure(
            runtime, event_id, error, final=False, parked_after=settings.job_max_tries
        )
        if not parked:
            retry = service.process_job(event_id)
            delay = retry_delay(1, settings.job_retry_base_seconds)
            await runtime.send_committed_job(retry.deferred(delay))


def _time_limit(runtime: Runtime) -> asyncio.Timeout:
    # As a job's: a store call that hangs must not hold the shop (and a connection) for ever.
    return asyncio.timeout(runtime.settings.job_timeout_seconds)
