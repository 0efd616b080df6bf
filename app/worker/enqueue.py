"""After commit: jobs (and live messages, domain events) wait on their session until its
transaction commits.

`enqueue_after_commit(session, job)` records the job against the innermost transaction. A
rollback of that transaction (or of any enclosing one) drops it; a commit of the outermost
transaction moves it to the session's "ready" list, which the boundary (`Runtime.transaction`)
sends to the job queue after the commit returns. A job therefore never runs against a row that
was not committed, and a rolled-back request or job schedules nothing. Live messages
(`app.live.publish`) and domain events (`app.events`) ride the same buffer: nobody hears of a
change that was undone. What the items are is the boundary's business, not this buffer's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from app.worker.jobs import Job

AfterCommit = object  # a job, or anything else the boundary knows how to send

_PENDING = "storeokr.jobs.pending"
_READY = "storeokr.jobs.ready"


@dataclass(frozen=True)
class _Pending:
    item: AfterCommit
    transaction: SessionTransaction


def enqueue_after_commit(session: AsyncSession, job: Job) -> None:
    """Send `job` to the queue once this session's transaction has committed."""
    defer_until_commit(session, job)


def defer_until_commit(session: AsyncSession, item: AfterCommit) -> None:
    sync_session = session.sync_session
    transaction = sync_session.get_nested_transaction() or sync_session.get_transaction()
    if transaction is None:
        # No statement has run yet; begin now so the job is tied to a transaction.
        transaction = sync_session.begin()
    sync_session.info.setdefault(_PENDING, []).append(_Pending(item, transaction))


def take_ready(session: AsyncSession) -> list[AfterCommit]:
    """What committed transactions deferred, removed from the session."""
    ready: list[AfterCommit] = session.sync_session.info.pop(_READY, [])
    return ready


def take_ready_jobs(session: AsyncSession) -> list[Job]:
    """The jobs among `take_ready` (tests of the buffer look at jobs alone)."""
    return [item for item in take_ready(session) if isinstance(item, Job)]


def pending_job_count(session: AsyncSession) -> int:
    return len(session.sync_session.info.get(_PENDING, []))


@event.listens_for(Session, "after_commit")
def _promote_pending_jobs(session: Session) -> None:
    # SQLAlchemy fires this for savepoint releases too: those keep their jobs pending, so that
    # a later rollback of the enclosing transaction still drops them.
    if session.in_nested_transaction():
        return
    pending: list[_Pending] = session.info.pop(_PENDING, [])
    session.info.setdefault(_READY, []).extend(entry.item for entry in pending)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back_jobs(session: Session, previous_transaction: SessionTransaction) -> None:
    pending: list[_Pending] = session.info.get(_PENDING, [])
    kept = [p for p in pending if not _within(p.transaction, previous_transaction)]
    session.info[_PENDING] = kept


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False
