"""A transaction PostgreSQL picks as a deadlock's victim is run again (`app.deadlocks`): two
real transactions take two advisory locks in opposite orders, and both end up done."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.deadlocks import TRIES, again_after_deadlock

FIRST_TRIES = 2  # one for each of the two transactions


async def test_the_victim_of_a_real_deadlock_is_run_again(pg_engine: AsyncEngine) -> None:
    both_hold_their_first_lock = asyncio.Barrier(FIRST_TRIES)
    tries: list[str] = []

    async def locking(first: int, second: int, name: str) -> str:
        async def attempt() -> str:
            tries.append(name)
            async with pg_engine.connect() as connection, connection.begin():
                await connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": first})
                if len(tries) <= FIRST_TRIES:  # the retry needs no meeting: the other is done
                    await both_hold_their_first_lock.wait()
                await connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": second})
            return name

        return await again_after_deadlock(attempt, name)

    done = await asyncio.gather(locking(91, 92, "a"), locking(92, 91, "b"))

    assert list(done) == ["a", "b"]
    assert len(tries) == FIRST_TRIES + 1  # one victim, tried once more


class Refused(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


def failing(sqlstate: str, tries: list[int]) -> DBAPIError:
    tries.append(1)
    return DBAPIError("SELECT 1", {}, Refused(sqlstate))


async def test_other_errors_are_not_tried_again() -> None:
    tries: list[int] = []

    async def attempt() -> None:
        raise failing("23505", tries)  # a unique violation is no deadlock

    with pytest.raises(DBAPIError):
        await again_after_deadlock(attempt, "a unique violation")
    assert len(tries) == 1


async def test_a_transaction_that_always_loses_fails_after_its_tries() -> None:
    tries: list[int] = []

    async def attempt() -> None:
        raise failing("40P01", tries)

    with pytest.raises(DBAPIError):
        await again_after_deadlock(attempt, "an unlucky one")
    assert len(tries) == TRIES
