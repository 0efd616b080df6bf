"""Readiness checks: can this process reach what it needs to do its work?"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy import text

from app.runtime import Runtime
from app.schema import alembic_config, current_revision, head_revision
from app.worker.heartbeat import HEARTBEAT_INTERVAL_S, heartbeats

CHECK_TIMEOUT_S = 2.0
OK = "ok"


async def readiness(runtime: Runtime) -> dict[str, str]:
    """Each dependency's state: "ok", "embedded", or what is wrong with it."""
    checks: dict[str, Callable[[], Awaitable[str]]] = {
        "database": lambda: _database(runtime),
        "redis": lambda: _redis(runtime),
    }
    results = await asyncio.gather(*(_timed(check()) for check in checks.values()))
    return dict(zip(checks, results, strict=True))


async def _timed(check: Awaitable[str]) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            return await check
    except TimeoutError:
        return f"no answer within {CHECK_TIMEOUT_S:g}s"
    except Exception as error:
        return f"unreachable ({type(error).__name__}: {error})"


async def _database(runtime: Runtime) -> str:
    async with runtime.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    head = head_revision(alembic_config(runtime.settings.database_url))
    current = await current_revision(runtime.engine)
    if current != head:
        return f"schema at {current or 'no revision'}, needs {head}: run `storeokr migrate`"
    return OK


async def workers(runtime: Runtime) -> str:
    """ "ok (…)" while at least one job worker's heartbeat is fresh, else what is wrong
    (information: the web process can still take and store webhooks without one; their jobs
    wait in Redis). The workers themselves are listed by the operations API."""
    if runtime.redis is None:
        return "embedded"
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            fresh = await heartbeats(runtime.redis)
    except Exception:
        return "unknown (Redis unreachable)"
    if not fresh:
        return f"no worker seen in the last {HEARTBEAT_INTERVAL_S}s: is `storeokr worker` running?"
    latest = min(beat.seen_seconds_ago for beat in fresh)
    return f"{OK} ({len(fresh)} seen, the latest {latest:.0f}s ago)"


async def _redis(runtime: Runtime) -> str:
    if runtime.redis is None:
        return "embedded"
    await runtime.redis.ping()
    return OK
