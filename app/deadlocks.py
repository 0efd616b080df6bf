"""A transaction PostgreSQL picked as a deadlock's victim, run again.

A backfill's pages and the live webhooks' jobs meet on the same customers and may take their
locks in another order; PostgreSQL then ends one of the two transactions. Rolled back whole,
it can simply be written again, which is cheaper and surer than failing the job and waiting
for its retry (a backfill chunk that runs out of retries gives the whole pass up)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

logger = logging.getLogger(__name__)

TRIES = 3
T = TypeVar("T")


def is_deadlock(error: DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) == "40P01" or "deadlock detected" in str(error)


async def again_after_deadlock(attempt: Callable[[], Awaitable[T]], what: str) -> T:
    """`attempt` (one whole transaction), tried up to TRIES times while it loses deadlocks."""
    for tried in range(1, TRIES):
        try:
            return await attempt()
        except DBAPIError as error:
            if not is_deadlock(error):
                raise
            logger.info("%s met a deadlock; again (try %s of %s)", what, tried + 1, TRIES)
    return await attempt()  # the last try's deadlock is the caller's failure
