"""The process's shared resources, and the unit of work every request and job goes through.

The web app (lifespan), the arq worker (on_startup) and CLI commands all open a `Runtime` with
`app.startup.open_runtime`: engine, session factory, one httpx client, the job queue (arq on
Redis, or the embedded runner) and the Redis client when one is configured.
`Runtime.transaction()` is the unit-of-work boundary. The worker's modules import this one
(a job's context holds the runtime); it imports of the worker only what sends a job.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.concurrency import KeyedLocks
from app.config import Settings
from app.events import DomainEvent, EventBus
from app.group_insert import GroupInserts
from app.live.broadcast import Broadcaster
from app.live.messages import LiveMessage
from app.outbound import AddressPolicy
from app.topic_routing import TopicRouting
from app.worker.enqueue import AfterCommit, take_ready
from app.worker.jobs import Job
from app.worker.queue import JobQueue

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient
    jobs: JobQueue
    redis: ArqRedis | None
    broadcaster: Broadcaster
    # Where store requests may go: `http` connects only where it allows, and the connect flow
    # checks a store's address with it before anything is sent.
    addresses: AddressPolicy = field(default_factory=AddressPolicy)
    # Who hears the domain events a transaction publishes (`app/wiring.py` builds it).
    events: EventBus = field(default_factory=EventBus)
    # Who takes each webhook topic we use (`app/wiring.py` builds it).
    webhook_topics: TopicRouting[Any] = field(default_factory=TopicRouting)
    # Who above privacy holds customers' personal data, by name (`app/wiring.py` builds it):
    # a customer's export and erasure reach them too (`app.privacy.service`).
    personal_data: Mapping[str, Any] = field(default_factory=dict)
    locks: KeyedLocks = field(default_factory=KeyedLocks)
    # Set when the web process is told to stop (`app.live.shutdown`): open live streams end.
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    # PostgreSQL only: the raw pool, and the group inserts on it that the webhook
    # acknowledgement stores deliveries with (rows arriving together: one statement, one commit).
    raw_pool: asyncpg.Pool | None = None
    group_inserts: GroupInserts | None = None

    @property
    def inbox_dispatched(self) -> bool:
        """Whether new inbox events are found by the workers' dispatcher (PostgreSQL with arq
        workers: `app.webhooks.dispatcher`) rather than sent one job each (the embedded
        runner, which runs in the process that stores them)."""
        return self.redis is not None and self.engine.dialect.name == "postgresql"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: commit if the block succeeds, roll back if it raises, then send the
        jobs it enqueued (only those of committed transactions)."""
        async with self.sessionmaker() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
            ready = take_ready(session)
        for item in sorted(ready, key=_told_later):
            await self._send_committed(item)

    async def send_committed_job(self, job: Job) -> None:
        """Queue a job for work already committed outside a unit of work (the webhook
        acknowledgement's own INSERT); a failure is logged, as after any commit."""
        await self._send_committed(job)

    async def _send_committed(self, item: AfterCommit) -> None:
        # The transaction is committed and must stay so, whatever fails here.
        if isinstance(item, DomainEvent):
            await self._tell_subscribers(item)
            return
        if isinstance(item, LiveMessage):
            try:
                await self.broadcaster.publish(item.channel, item.encode())
            except Exception as error:
                # A live message is a hint to refresh; the data it points at is committed.
                logger.warning("live update for shop %s not published: %r", item.shop_id, error)
            return
        assert isinstance(item, Job), f"nothing sends {type(item).__name__} after a commit"
        try:
            await self.jobs.send(item)
        except Exception:
            # Every job's work is recoverable from the database by a sweep (e.g. unhandled inbox
            # events are re-enqueued), so a lost enqueue delays work and never loses it.
            logger.exception(
                "could not queue job %s after commit; a sweep will pick it up", item.task
            )

    async def _tell_subscribers(self, event: DomainEvent) -> None:
        """Each subscriber in a transaction of its own: one that fails is undone and logged
        alone, and what it enqueues or publishes goes out after its own commit."""
        for subscriber in self.events.subscribers_of(event):
            try:
                async with self.transaction() as session:
                    await subscriber(session, event)
            except Exception:
                logger.exception(
                    "subscriber %s failed on %s for shop %s",
                    getattr(subscriber, "__qualname__", subscriber),
                    type(event).__name__,
                    event.shop_id,
                )


def _told_later(item: AfterCommit) -> bool:
    """What goes out second (a stable sort keeps each group's order): everything but what only
    tells open pages that something moved — live messages and events like `MetricsMoved`,
    which should not wait for the initiatives' subscribers to the same commit."""
    if isinstance(item, LiveMessage):
        return False
    return not (isinstance(item, DomainEvent) and item.tells_pages)
