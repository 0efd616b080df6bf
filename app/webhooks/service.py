"""The inbox: receive (in the request: store and enqueue, nothing else) and process (in a job)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import utcnow
from app.errors import BadRequest
from app.integrations.events import NormalisationError
from app.runtime import Runtime
from app.shops import repository as shops
from app.shops.models import Shop
from app.topic_routing import BurstRoute
from app.webhooks import repository
from app.webhooks.models import EventStatus, WebhookEvent
from app.webhooks.senders import Sender
from app.worker import JobContext, enqueue_after_commit
from app.worker.jobs import Job

logger = logging.getLogger(__name__)

# A Shopify delivery may say it was triggered up to this far ahead of our clock (the two clocks
# are not the same clock); further ahead, its time is made up.
CLOCK_SKEW = timedelta(minutes=5)
REDELIVER_AFTER = timedelta(minutes=2)
REDELIVER_BATCH = 500
MAX_ID_LENGTH, MAX_TOPIC_LENGTH = 255, 100  # the inbox's columns
BURST = 100  # events of one shop applied in one job's transaction, at most
PROCESS_TASK = "webhooks.process"  # declared in `app.webhooks.tasks`


class StaleDelivery(BadRequest):
    code = "stale_delivery"


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"


@dataclass(frozen=True)
class Delivery:
    """A verified webhook, as the platform sent it."""

    delivery_id: str
    topic: str
    body: bytes
    triggered_at: datetime | None = None


def refuse_stale(triggered_at: datetime, now: datetime, max_age: timedelta) -> None:
    """400 for a signed delivery triggered more than `max_age` ago, or dated more than
    CLOCK_SKEW ahead of our clock: a captured body sent again, not one of the platform's.

    Shopify retries a failed delivery 8 times over 4 hours, keeping the first attempt's payload
    and X-Shopify-Triggered-At, and warns that a delivery may rarely arrive up to a day late;
    the default window of 48 h is well beyond both, so none of Shopify's own is refused. Not a
    200, which means stored and to be handled. A 4xx is a failed delivery to Shopify, which
    retries it until its schedule ends (each retry refused alike); a delivery that old is a
    replay or one Shopify has given up on, and reconciliation against the store's API settles
    any state it carried. 400, not 401: the signature is valid, its time is what is refused."""
    if triggered_at < now - max_age:
        raise StaleDelivery(
            f"the delivery was triggered at {triggered_at.isoformat()}, more than "
            f"{_hours(max_age)} ago: refused as a replay"
        )
    if triggered_at > now + CLOCK_SKEW:
        raise StaleDelivery(
            f"the delivery says it was triggered at {triggered_at.isoformat()}, ahead of this "
            "server's clock: refused"
        )


def _hours(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:g} hours"


def process_job(event_id: int) -> Job:
    """The job that processes an event: one per event while it waits or runs, however often
    it is enqueued."""
    return Job(PROCESS_TASK, (event_id,)).keyed(f"inbox:{event_id}")


async def receive(runtime: Runtime, sender: Sender, delivery: Delivery) -> Outcome:
    """Store the delivery once, committed (on PostgreSQL in one statement with the deliveries
    arriving at the same moment; no ORM session: the acknowledgement's cost, bench/README.md,
    `app.group_insert`). With arq
    workers on PostgreSQL that is all: their dispatcher finds the new row. In embedded mode a
    new row for a topic we use gets a job. Either way a lost hand-over only delays it: the
    dispatcher and the redelivery sweep read the inbox itself."""
    try:
        text = delivery.body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the webhook body is not UTF-8 text") from None
    if len(delivery.delivery_id) > MAX_ID_LENGTH or len(delivery.topic) > MAX_TOPIC_LENGTH:
        raise BadRequest("the webhook's delivery id or topic is too long")
    used = runtime.webhook_topics.uses(sender.platform, delivery.topic)
    event_id = await repository.store_delivery_committed(
        runtime.engine,
        runtime.group_inserts,
        {
            "shop_id": sender.shop_id,
            "delivery_id": delivery.delivery_id,
            "topic": delivery.topic,
            "payload": text,
            "status": EventStatus.PENDING if used else EventStatus.IGNORED,
            "triggered_at": delivery.triggered_at,
            "received_at": utcnow(),
            "attempts": 0,
        },
    )
    if event_id is None:
        return Outcome.DUPLICATE
    if not used:
        return Outcome.IGNORED
    if not runtime.inbox_dispatched:
        await runtime.send_committed_job(process_job(event_id))
    return Outcome.ACCEPTED


async def process(ctx: JobContext, event_id: int, *, alone: bool = False) -> None:
    """Hand the event to its topic's handler and mark it handled, in one transaction: a
    crash anywhere leaves it pending, to be run again (handlers are safe to repeat). `alone`:
    without the shop's other waiting events, even for a topic applied in bursts."""
    # In a savepoint: on an error the event's row lock goes with it, so the failure can be
    # recorded from another transaction while this one is still open.
    async with ctx.session.begin_nested():
        await _process(ctx, event_id, alone)


async def _process(ctx: JobContext, event_id: int, alone: bool) -> None:
    session = ctx.session
    event = await repository.claim_event(session, event_id)
    if event is None or event.status is not EventStatus.PENDING:
        return  # handled already, or being handled in another event's burst
    shop = await shops.get_shop(session, event.shop_id)
    topics = ctx.runtime.webhook_topics
    burst = topics.burst_for(shop.platform, event.topic) if shop else None
    if shop is not None and burst is not None:
        await _process_burst(ctx, shop, event, burst, alone)
        return
    handler = topics.handler_for(shop.platform, event.topic) if shop else None
    if shop is None or handler is None:
        event.status = EventStatus.IGNORED
        return
    await handler(ctx, shop, event.topic, json.loads(event.payload))
    if await repository.event_exists(session, event_id):  # shop/redact erases the event too
        _mark_handled(event)


async def _process_burst(
    ctx: JobContext, shop: Shop, event: WebhookEvent, route: BurstRoute[Shop], alone: bool
) -> None:
    """The event with the shop's other events of the burst's topics waiting behind it, in one
    transaction: at a flash sale's pace a worker applies a hundred orders in about the
    statements of one. Their own jobs (or the dispatcher) then find them handled. An event its
    platform's reader refuses is parked here and now, as its own job would (left pending, it
    would wait for the redelivery sweep); one that is not JSON stays out for its own job. This
    event's errors are its own. Where the dispatcher runs, events that failed before wait for
    their own retry."""
    assert shop.id is not None
    session, prepare = ctx.session, route.burst.prepare
    others = (
        []
        if alone
        else await repository.claim_pending(
            session,
            shop.id,
            route.topics,
            event.id or 0,
            BURST - 1,
            untried_only=ctx.runtime.inbox_dispatched,
        )
    )
    batch = [(event, prepare(shop, event.topic, json.loads(event.payload)))]
    for other in others:
        try:
            batch.append((other, prepare(shop, other.topic, json.loads(other.payload))))
        except NormalisationError as error:  # any job would read it the same way
            _note_failure(other, error, final=True)
        except ValueError:  # not JSON at all
            session.expunge(other)  # left pending, untouched
    batch.sort(key=lambda entry: entry[0].id or 0)  # as they arrived
    await route.burst.apply(ctx, shop, [prepared for _event, prepared in batch])
    for handled, _prepared in batch:
        _mark_handled(handled)


def _mark_handled(event: WebhookEvent) -> None:
    event.status = EventStatus.HANDLED
    event.attempts += 1
    event.handled_at = utcnow()
    event.last_error = None


async def record_failure(
    runtime: Runtime,
    event_id: int,
    error: BaseException,
    *,
    final: bool,
    parked_after: int | None = None,
) -> bool:
    """Note a failed attempt in its own transaction (the job's own was rolled back); the
    event is parked if `final`, or once it has failed `parked_after` times. Whether it was."""
    async with runtime.transaction() as session:
        event = await repository.get_event(session, event_id)
        if event is None:
            return True
        return _note_failure(event, error, final=final, parked_after=parked_after)


def _note_failure(
    event: WebhookEvent, error: BaseException, *, final: bool, parked_after: int | None = None
) -> bool:
    """Count a failed attempt; park the event if `final` or once it has failed `parked_after`
    times. Whether it was parked."""
    event.attempts += 1
    event.last_error = f"{type(error).__name__}: {error}"[:2000]
    if final or (parked_after is not None and event.attempts >= parked_after):
        event.status = EventStatus.FAILED
        logger.error("webhook event %s (%s) failed for good: %s", event.id, event.topic, error)
        return True
    return False


PRUNE_BATCH = 1000  # bodies emptied per transaction: no long lock on a busy inbox


async def prune_old_bodies(runtime: Runtime, now: datetime) -> int:
    """Empty the bodies of handled and ignored events older than the retention setting, in
    batches; their rows and delivery ids stay, so a late redelivery is still a duplicate."""
    cutoff = now - timedelta(days=runtime.settings.webhook_body_retention_days)
    pruned = 0
    while True:
        async with runtime.transaction() as session:
            batch = await repository.prune_bodies(session, cutoff, PRUNE_BATCH)
        pruned += batch
        if batch < PRUNE_BATCH:
            return pruned


async def redeliver_stale(session: AsyncSession, *, dispatched: bool) -> int:
    """Enqueue events still pending a while after receipt (their enqueue was lost, e.g. Redis
    was down, or their worker died); job ids make this a no-op for ones already queued. Where
    the dispatcher runs, only events that failed before: it takes every untried one itself,
    and a failed one's retry job may have been lost with Redis."""
    cutoff = utcnow() - REDELIVER_AFTER
    stale = await repository.stale_pending_ids(
        session, cutoff, REDELIVER_BATCH, tried_only=dispatched
    )
    for event_id in stale:
        enqueue_after_commit(session, process_job(event_id))
    return len(stale)
