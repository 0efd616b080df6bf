"""OKR jobs: a daily snapshot of every metric key result (so each has a history chart without
anyone typing) and the weekly check-in reminder to owners."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.changes import BackfillFinished
from app.db import utcnow
from app.messaging.email import Email, EmailNotConfigured, send_email
from app.okr.history import fill_history
from app.okr.models import CheckIn
from app.okr.service import open_key_results, today_for
from app.shops.models import Shop, ShopStatus
from app.worker import JobContext, enqueue_after_commit, registry
from app.worker.jobs import Job

logger = logging.getLogger(__name__)
REMINDER_WEEKDAY = 0  # Monday, shop-local
QUIET_DAYS = 7  # a key result without a check-in for this long gets a reminder


@registry.task(name="okr.snapshot")
async def snapshot_key_results(ctx: JobContext) -> None:
    """Each open metric key result's snapshots up to yesterday, shop-local: the day just ended
    and any day before it still missing (the job runs hourly; a day taken is skipped)."""
    for shop in await _active_shops(ctx.session):
        # A transaction per shop: a shop's snapshots commit on their own (SQLite's write lock
        # is not held while the next shop is evaluated), and one shop's failure leaves the
        # others' snapshots in; its missing days are taken at the next run.
        try:
            async with ctx.runtime.transaction() as session:
                await fill_history(session, shop)
        except Exception:
            logger.exception("snapshots of shop %s failed; the next run takes them", shop.id)


@registry.task(name="okr.history")
async def redo_history(ctx: JobContext, shop_id: int) -> None:
    """Every snapshot of the shop's open key results again: its past has changed (a backfill
    finished), and snapshots taken before that showed a store with part of its orders."""
    shop = await ctx.session.get(Shop, shop_id)
    if shop is not None and shop.status is ShopStatus.ACTIVE:
        await fill_history(ctx.session, shop, redo=True)


def redo_history_job(shop_id: int) -> Job:
    return redo_history.job(shop_id).keyed(f"okr.history:{shop_id}")


async def retake_history(session: AsyncSession, finished: BackfillFinished) -> None:
    """The store's past is in: key results' daily history is taken again from it (subscribes
    to `BackfillFinished`)."""
    enqueue_after_commit(session, redo_history_job(finished.shop_id))


registry.cron(snapshot_key_results, minute={5}, second={0})


@registry.task(name="okr.remind")
async def remind_owners(ctx: JobContext) -> None:
    """On the shop's Monday: one e-mail per owner listing their key results without a
    check-in for a week."""
    for shop in await _active_shops(ctx.session):
        today = today_for(shop)
        if today.weekday() != REMINDER_WEEKDAY:
            continue
        quiet = await _quiet_key_results(ctx.session, shop.id or 0, today)
        for owner, titles in quiet.items():
            try:
                await send_email(ctx.runtime.settings, _reminder(shop, owner, titles))
            except EmailNotConfigured:
                logger.warning("check-in reminders not sent: e-mail is not configured")
                return


registry.cron(remind_owners, hour={7}, minute={0}, second={0})


async def _active_shops(session: AsyncSession) -> list[Shop]:
    statement = select(Shop).where(Shop.status == ShopStatus.ACTIVE)
    return list((await session.exec(statement)).all())


async def _quiet_key_results(
    session: AsyncSession, shop_id: int, today: date
) -> dict[str, list[str]]:
    """Owner e-mail → titles of their key results in a running cycle with no recent check-in."""
    since = utcnow() - timedelta(days=QUIET_DAYS)
    quiet: dict[str, list[str]] = defaultdict(list)
    for kr, cycle in await open_key_results(session, shop_id):
        if not kr.owner_email or not cycle.start <= today <= cycle.end:
            continue
        recent = select(CheckIn.id).where(
            CheckIn.key_result_id == kr.id,
            col(CheckIn.snapshot_day).is_(None),
            CheckIn.at >= since,
        )
        if (await session.exec(recent)).first() is None:
            quiet[kr.owner_email].append(kr.title)
    return dict(quiet)


def _reminder(shop: Shop, owner: str, titles: list[str]) -> Email:
    lines = "\n".join(f"- {title}" for title in sorted(titles))
    return Email(
        to=owner,
        subject=f"{shop.name}: time for your weekly OKR check-in",
        text=(
            f"These key results of {shop.name} have had no check-in this week:\n\n{lines}\n\n"
            "A check-in takes a minute: your confidence and a word on what moved them."
        ),
    )
