"""Workers say they are alive, so that /readyz can tell a web process with no worker behind it
(jobs would wait in Redis unseen) from a healthy set-up."""

from __future__ import annotations

from datetime import UTC, datetime

from arq.connections import ArqRedis

from app.worker.queue import connect_arq_redis
from app.worker.tasks import JobContext, registry

HEARTBEAT_KEY = "storeokr:worker:heartbeat"
HEARTBEAT_TTL_S = 180  # three missed minutes and the worker counts as gone


@registry.task(name="worker.heartbeat")
async def heartbeat(ctx: JobContext) -> None:
    """Record that a worker ran a job just now (nothing to do when jobs run in-process)."""
    if ctx.runtime.redis is not None:
        now = datetime.now(UTC).isoformat()
        await ctx.runtime.redis.set(HEARTBEAT_KEY, now, ex=HEARTBEAT_TTL_S)


registry.cron(heartbeat, second={0}, run_at_startup=True)


async def last_heartbeat(redis: ArqRedis) -> datetime | None:
    value = await redis.get(HEARTBEAT_KEY)
    if value is None:
        return None
    return datetime.fromisoformat(value.decode() if isinstance(value, bytes) else str(value))


async def heartbeat_age(redis_url: str) -> float | None:
    """Seconds since a worker last ran its heartbeat, or None if none did lately (on its own
    connection: `storeokr worker --check` runs outside any runtime)."""
    redis = connect_arq_redis(redis_url)
    try:
        seen = await last_heartbeat(redis)
    finally:
        await redis.aclose()
    if seen is None:
        return None
    return max((datetime.now(UTC) - seen).total_seconds(), 0.0)
