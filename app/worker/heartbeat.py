"""Every worker process says it is alive under a key of its own, so that /readyz can tell a web
process with no worker behind it (jobs would wait in Redis unseen) from a healthy set-up, the
operations API can list them, and `storeokr worker --check` can check its own.

It is arq's own health check, pointed at a key per process: the worker's poll loop writes
`storeokr:workers:<host>:<pid>` every HEARTBEAT_INTERVAL_S with its job counts, the key living
one second longer — so a key that exists is a fresh heartbeat, and its remaining life says when
it was written. A worker that stops cleanly deletes its key. (One shared key, written by a cron
job arq runs on one worker per tick, said only that *some* worker was alive.)"""

from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass, field

from arq.connections import ArqRedis

from app.worker.queue import connect_arq_redis

HEARTBEAT_PREFIX = "storeokr:workers:"
HEARTBEAT_INTERVAL_S = 60
# arq keeps the key this long after writing it (its `record_health`).
HEARTBEAT_LIFE_MS = (HEARTBEAT_INTERVAL_S + 1) * 1000
_COUNTER = re.compile(r"(\w+)=(\d+)")


@dataclass(frozen=True)
class Heartbeat:
    worker: str  # "<host>:<pid>"
    seen_seconds_ago: float
    counts: dict[str, int] = field(default_factory=dict)  # arq's: j_complete, j_failed, …

    @property
    def host(self) -> str:
        return self.worker.rpartition(":")[0]


def worker_id(host: str | None = None, pid: int | None = None) -> str:
    """This process's name among the workers: its host (a container's own) and process id."""
    return f"{host or socket.gethostname()}:{pid or os.getpid()}"


def heartbeat_key(worker: str) -> str:
    return HEARTBEAT_PREFIX + worker


async def heartbeats(redis: ArqRedis) -> list[Heartbeat]:
    """The workers with a fresh heartbeat, by name."""
    keys = sorted([key async for key in redis.scan_iter(match=f"{HEARTBEAT_PREFIX}*", count=100)])
    if not keys:
        return []
    pipeline = redis.pipeline(transaction=False)
    for key in keys:
        pipeline.get(key)
        pipeline.pttl(key)
    answers = await pipeline.execute()
    found = []
    for key, value, life_ms in zip(keys, answers[::2], answers[1::2], strict=True):
        if value is None or life_ms < 0:  # expired meanwhile, or not written by arq
            continue
        name = key.decode() if isinstance(key, bytes) else str(key)
        text = value.decode() if isinstance(value, bytes) else str(value)
        found.append(
            Heartbeat(
                worker=name.removeprefix(HEARTBEAT_PREFIX),
                seen_seconds_ago=max(HEARTBEAT_LIFE_MS - life_ms, 0) / 1000,
                counts={name: int(number) for name, number in _COUNTER.findall(text)},
            )
        )
    return found


async def own_heartbeats(redis_url: str, host: str | None = None) -> list[Heartbeat]:
    """The fresh heartbeats of the workers on this host — in a container, the one worker the
    container runs (`storeokr worker --check` runs there, outside any runtime: on a
    connection of its own)."""
    redis = connect_arq_redis(redis_url)
    try:
        found = await heartbeats(redis)
    finally:
        await redis.aclose()
    here = host or socket.gethostname()
    return [beat for beat in found if beat.host == here]
