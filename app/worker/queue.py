"""The job queue as the rest of the app sees it: send a job, nothing else."""

from __future__ import annotations

import logging
from typing import Protocol

from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool

from app.worker.jobs import Job

logger = logging.getLogger(__name__)

REDIS_CONNECT_TIMEOUT_S = 2.0
REDIS_SOCKET_TIMEOUT_S = 5.0


class JobQueue(Protocol):
    async def send(self, job: Job) -> None:
        """Queue `job`; a job id already waiting or running makes this a no-op."""


class ArqJobQueue:
    """Jobs go to Redis for the arq workers (`storeokr worker`)."""

    def __init__(self, redis: ArqRedis) -> None:
        self.redis = redis

    async def send(self, job: Job) -> None:
        queued = await self.redis.enqueue_job(
            job.task, *job.args, _job_id=job.job_id, _defer_by=job.defer_by, **job.kwargs
        )
        if queued is None:
            logger.debug("job %s already queued or running; not queued again", job.job_id)


def connect_arq_redis(redis_url: str) -> ArqRedis:
    """An arq Redis client that connects lazily, so the web app starts (and /readyz can say
    what is wrong) while Redis is down, and fails fast instead of hanging when it is."""
    pool = ConnectionPool.from_url(
        redis_url,
        socket_connect_timeout=REDIS_CONNECT_TIMEOUT_S,
        socket_timeout=REDIS_SOCKET_TIMEOUT_S,
    )
    return ArqRedis(pool)
