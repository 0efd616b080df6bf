"""Jobs wait on their transaction: sent after it commits, dropped when it rolls back."""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.worker.enqueue import enqueue_after_commit, pending_job_count, take_ready_jobs
from app.worker.jobs import Job
from tests.fixtures.objects import create_shop

FIRST, SECOND = Job("first"), Job("second")


async def test_job_is_ready_only_after_commit(session: AsyncSession) -> None:
    await create_shop(session)
    enqueue_after_commit(session, FIRST)
    assert take_ready_jobs(session) == []
    await session.commit()
    assert take_ready_jobs(session) == [FIRST]
    assert take_ready_jobs(session) == []


async def test_rolled_back_job_is_dropped(session: AsyncSession) -> None:
    enqueue_after_commit(session, FIRST)
    await session.rollback()
    assert pending_job_count(session) == 0
    await session.commit()
    assert take_ready_jobs(session) == []


async def test_job_enqueued_before_any_statement_waits_for_commit(session: AsyncSession) -> None:
    enqueue_after_commit(session, FIRST)
    assert pending_job_count(session) == 1
    await session.commit()
    assert take_ready_jobs(session) == [FIRST]


async def test_savepoint_rollback_drops_only_its_own_jobs(session: AsyncSession) -> None:
    enqueue_after_commit(session, FIRST)
    savepoint = await session.begin_nested()
    enqueue_after_commit(session, SECOND)
    await savepoint.rollback()
    await session.commit()
    assert take_ready_jobs(session) == [FIRST]


async def test_released_savepoint_jobs_still_die_with_the_outer_rollback(
    session: AsyncSession,
) -> None:
    async with session.begin_nested():
        enqueue_after_commit(session, SECOND)
    assert pending_job_count(session) == 1
    await session.rollback()
    await session.commit()
    assert take_ready_jobs(session) == []


def test_task_job_carries_arguments_id_and_delay() -> None:
    from datetime import timedelta

    from app.worker.tasks import TaskRegistry

    registry = TaskRegistry()

    @registry.task(name="tests.sum")
    async def add(ctx: object, a: int, b: int) -> None:
        return None

    job = add.job(1, b=2).keyed("sum:1").deferred(timedelta(seconds=3))
    assert job == Job("tests.sum", (1,), {"b": 2}, "sum:1", timedelta(seconds=3))
    with pytest.raises(ValueError, match="declared twice"):
        registry.task(name="tests.sum")(add.fn)
