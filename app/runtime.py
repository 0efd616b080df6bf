"""The process's shared resources, opened once and closed once.

The web app (lifespan), the arq worker (on_startup) and CLI commands all open a `Runtime`:
engine, session factory, one httpx client, the job queue (arq on Redis, or the embedded runner)
and the Redis client when one is configured. `Runtime.transaction()` is the unit-of-work
boundary every request and job goes through.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.concurrency import KeyedLocks
from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.live.broadcast import Broadcaster, LocalBroadcaster, RedisBroadcaster
from app.live.messages import LiveMessage
from app.outbound import AddressPolicy, GuardedTransport, Resolver, system_resolve
from app.worker.embedded import EmbeddedJobRunner
from app.worker.enqueue import AfterCommit, take_ready
from app.worker.jobs import TaskRegistry
from app.worker.queue import ArqJobQueue, JobQueue, connect_arq_redis

logger = logging.getLogger(__name__)

HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = "StoreOKR/0.1 (+https://github.com/storeokr)"


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
    locks: KeyedLocks = field(default_factory=KeyedLocks)

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
        for item in ready:
            await self._send_committed(item)

    async def _send_committed(self, item: AfterCommit) -> None:
        # The transaction is committed and must stay so, whatever fails here.
        if isinstance(item, LiveMessage):
            try:
                await self.broadcaster.publish(item.channel, item.encode())
            except Exception as error:
                # A live message is a hint to refresh; the data it points at is committed.
                logger.warning("live update for shop %s not published: %r", item.shop_id, error)
            return
        try:
            await self.jobs.send(item)
        except Exception:
            # Every job's work is recoverable from the database by a sweep (e.g. unhandled inbox
            # events are re-enqueued), so a lost enqueue delays work and never loses it.
            logger.exception(
                "could not queue job %s after commit; a sweep will pick it up", item.task
            )


@asynccontextmanager
async def open_runtime(
    settings: Settings,
    registry: TaskRegistry,
    *,
    jobs: JobQueue | None = None,
    run_cron: bool = True,
    http_transport: httpx.AsyncBaseTransport | None = None,
    resolve: Resolver = system_resolve,
) -> AsyncIterator[Runtime]:
    """Open every shared resource; `jobs` overrides the queue (the arq worker passes its own),
    `http_transport` the network under the HTTP client (tests stand in for the platforms) and
    `resolve` the name lookups of the address policy."""
    async with AsyncExitStack() as stack:
        engine = create_engine(settings)
        stack.push_async_callback(engine.dispose)
        addresses = AddressPolicy(settings.allow_private_store_addresses, resolve)
        http = httpx.AsyncClient(
            timeout=HTTP_TIMEOUT,
            headers={"User-Agent": USER_AGENT},
            transport=http_transport or GuardedTransport(addresses),
            # A proxy from the environment would be connected to instead of the checked store.
            trust_env=False,
        )
        stack.push_async_callback(http.aclose)
        redis = connect_arq_redis(settings.redis_url) if settings.redis_url else None
        if redis is not None:
            stack.push_async_callback(redis.aclose)
        runner: EmbeddedJobRunner | None = None
        if jobs is None:
            if redis is not None:
                jobs = ArqJobQueue(redis)
            else:
                runner = EmbeddedJobRunner(
                    registry,
                    concurrency=settings.embedded_job_concurrency,
                    default_max_tries=settings.job_max_tries,
                    retry_base_seconds=settings.job_retry_base_seconds,
                    default_timeout=timedelta(seconds=settings.job_timeout_seconds),
                )
                jobs = runner
        broadcaster: Broadcaster = (
            RedisBroadcaster(redis) if redis is not None else LocalBroadcaster()
        )
        runtime = Runtime(
            settings, engine, create_sessionmaker(engine), http, jobs, redis, broadcaster, addresses
        )
        if runner is not None:
            runner.start(runtime, run_cron=run_cron)
            stack.push_async_callback(runner.stop)
        yield runtime
