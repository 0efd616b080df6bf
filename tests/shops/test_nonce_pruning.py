"""Expired one-time nonces are deleted by a periodic job, a day after they expire."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from app.shops import service
from app.shops.models import AuthNonce, NoncePurpose
from app.shops.repository import nonce_digest
from app.shops.tasks import prune_nonces
from app.tasks import registry
from tests.fixtures.app import finish_jobs
from tests.fixtures.stores import Connected


async def test_pruning_deletes_long_expired_nonces_and_keeps_the_others(
    connected: Connected,
) -> None:
    runtime = connected.app.state.runtime
    lifetimes = {
        "expired two days ago": timedelta(days=-2),
        "expired an hour ago": timedelta(hours=-1),
        "live": timedelta(hours=1),
    }
    async with runtime.transaction() as session:
        issued = {
            name: await service.issue_nonce(session, NoncePurpose.WOOCOMMERCE_CONNECT, ttl=ttl)
            for name, ttl in lifetimes.items()
        }

    await runtime.jobs.send(prune_nonces.job())
    await finish_jobs(connected.app)

    async with runtime.transaction() as session:
        kept = set((await session.exec(select(AuthNonce.digest))).all())
    assert kept == {
        nonce_digest(issued["expired an hour ago"]),
        nonce_digest(issued["live"]),
    }


def test_pruning_runs_on_a_schedule() -> None:
    assert any(schedule.task is prune_nonces for schedule in registry.schedules)
