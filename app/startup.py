"""Opening the runtime: every shared resource, opened once per process and closed once.

The web app (lifespan), the arq worker (on_startup) and CLI commands all open their `Runtime`
here. It lives apart from `app.runtime` because it starts the embedded job runner, which runs
tasks, whose context holds the runtime: the runtime itself needs of the worker only what sends
a job. What the layers above register (domain event subscribers, webhook topic handlers) is
built by the caller (`app/wiring.py`) and passed in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.events import EventBus
from app.group_insert import GroupInserts
from app.live.broadcast import Broadcaster, LocalBroadcaster, RedisBroadcaster
from app.outbound import AddressPolicy, GuardedTransport, Resolver, system_resolve
from app.raw_pool import open_pool
from app.runtime import Runtime
from app.topic_routing import TopicRouting
from app.worker.embedded import EmbeddedJobRunner
from app.worker.queue import ArqJobQueue, JobQueue, connect_arq_redis
from app.worker.tasks import TaskRegistry

HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = "StoreOKR/0.1 (+https://github.com/storeokr)"


@asynccontextmanager
async def open_runtime(
    settings: Settings,
    registry: TaskRegistry,
    *,
    jobs: JobQueue | None = None,
    run_cron: bool = True,
    http_transport: httpx.AsyncBaseTransport | None = None,
    resolve: Resolver = system_resolve,
    events: EventBus | None = None,
    webhook_topics: TopicRouting[Any] | None = None,
    personal_data: Mapping[str, Any] | None = None,
) -> AsyncIterator[Runtime]:
    """Open every shared resource; `jobs` overrides the queue (the arq worker passes its own),
    `http_transport` the network under the HTTP client (tests stand in for the platforms),
    `resolve` the name lookups of the address policy, `events` who hears domain events and
    `webhook_topics` who takes each webhook topic (by default nobody: stored as ignored),
    `personal_data` who above privacy holds customers' data (by default nobody)."""
    async with AsyncExitStack() as stack:
        engine = create_engine(settings)
        stack.push_async_callback(engine.dispose)
        raw_pool = await open_pool(settings)
        group_inserts: GroupInserts | None = None
        if raw_pool is not None:
            stack.push_async_callback(raw_pool.close)
            group_inserts = GroupInserts(raw_pool)
            # Closed before the pool: it stores what is waiting, then stops.
            stack.push_async_callback(group_inserts.close)
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
            settings,
            engine,
            create_sessionmaker(engine),
            http,
            jobs,
            redis,
            broadcaster,
            addresses,
            events or EventBus(),
            webhook_topics or TopicRouting(),
            personal_data=dict(personal_data or {}),
            raw_pool=raw_pool,
            group_inserts=group_inserts,
        )
        if runner is not None:
            runner.start(runtime, run_cron=run_cron)
            stack.push_async_callback(runner.stop)
        yield runtime
