"""Inbox queries. Every one is scoped by shop, or by an event id the job was given; the
retention sweeps (stale pending events, old bodies) alone run across shops."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Table, exists, func, or_, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import insert_or_skip, insert_or_skip_committed
from app.group_insert import GroupInserts
from app.webhooks.models import EventStatus, WebhookEvent


async def store_delivery(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """Insert the delivery (a row's values, always the same keys: one prepared statement)
    unless the shop already has one with its delivery id; the new row's id, or None for a
    duplicate."""
    return await insert_or_skip(session, WebhookEvent, values, ["shop_id", "delivery_id"])


async def store_delivery_committed(
    engine: AsyncEngine, group_inserts: GroupInserts | None, values: dict[str, Any]
) -> int | None:
    """`store_delivery`, committed when it returns: on PostgreSQL together with the deliveries
    this process receives at the same moment (one statement, one commit: `app.group_insert`),
    on SQLite in one Core statement of its own without an ORM session."""
    if group_inserts is not None:
        inbox = group_inserts.into(INBOX_TABLE, tuple(values), _DELIVERY)
        return await inbox.store(values)
    return await insert_or_skip_committed(engine, WebhookEvent, values, list(_DELIVERY))


_DELIVERY = ("shop_id", "delivery_id")  # the inbox's unique key
INBOX_TABLE: Table = WebhookEvent.__table__  # type: ignore[attr-defined]


async def get_event(session: AsyncSession, event_id: int) -> WebhookEvent | None:
    return await session.get(WebhookEvent, event_id, populate_existing=True)


async def claim_event(session: AsyncSession, event_id: int) -> WebhookEvent | None:
    """The event, locked until the transaction ends; None if it is gone or a burst is applying
    it (the burst marks it handled, or leaves it pending for the redelivery sweep)."""
    statement = (
        select(WebhookEvent)
        .where(col(WebhookEvent.id) == event_id)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return (await session.exec(statement)).first()


async def claim_pending(
    session: AsyncSession,
    shop_id: int,
    topics: Iterable[str],
    but: int,
    limit: int,
    *,
    untried_only: bool = False,
) -> list[WebhookEvent]:
    """Up to `limit` of the shop's other pending events on `topics`, oldest first, locked;
    those another job holds are skipped (it is applying them). `untried_only` leaves out those
    that failed before (they wait for their retry, and would fail the batch again)."""
    statement = (
        select(WebhookEvent)
        .where(
            WebhookEvent.shop_id == shop_id,
            WebhookEvent.status == EventStatus.PENDING,
            col(WebhookEvent.topic).in_(list(topics)),
            col(WebhookEvent.id) != but,
            *([WebhookEvent.attempts == 0] if untried_only else []),
        )
        .order_by(col(WebhookEvent.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return list((await session.exec(statement)).all())


async def shops_with_untried_events(session: AsyncSession, limit: int) -> list[int]:
    """Shops with pending events never tried yet, the one waiting longest first."""
    oldest = func.min(WebhookEvent.id)
    statement = (
        select(WebhookEvent.shop_id)
        .where(WebhookEvent.status == EventStatus.PENDING, WebhookEvent.attempts == 0)
        .group_by(col(WebhookEvent.shop_id))
        .order_by(oldest)
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def claim_oldest_untried(session: AsyncSession, shop_id: int) -> WebhookEvent | None:
    """The shop's oldest pending event never tried yet, locked (one a retry job holds is
    skipped)."""
    statement = (
        select(WebhookEvent)
        .where(
            WebhookEvent.shop_id == shop_id,
            WebhookEvent.status == EventStatus.PENDING,
            WebhookEvent.attempts == 0,
        )
        .order_by(col(WebhookEvent.id))
        .limit(1)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return (await session.exec(statement)).first()


async def event_exists(session: AsyncSession, event_id: int) -> bool:
    statement = select(exists().where(col(WebhookEvent.id) == event_id))
    return bool((await session.exec(statement)).one())


async def stale_pending_ids(
    session: AsyncSession, received_before: datetime, limit: int, *, tried_only: bool = False
) -> list[int]:
    """Pending events received before the cutoff, oldest first; `tried_only`: only those that
    failed at least once (the dispatcher takes the untried ones)."""
    statement = (
        select(WebhookEvent.id)
        .where(
            WebhookEvent.status == EventStatus.PENDING,
            WebhookEvent.received_at < received_before,
            *([WebhookEvent.attempts > 0] if tried_only else []),
        )
        .order_by(col(WebhookEvent.received_at))
        .limit(limit)
    )
    return [event_id for event_id in (await session.exec(statement)).all() if event_id is not None]


async def shop_events_mentioning(
    session: AsyncSession, shop_id: int, needles: list[str]
) -> list[WebhookEvent]:
    """The shop's events whose raw payload contains any of `needles` (case-insensitive)."""
    if not needles:
        return []
    payload = func.lower(col(WebhookEvent.payload))
    matches = [payload.contains(needle.lower(), autoescape=True) for needle in needles]
    statement = select(WebhookEvent).where(WebhookEvent.shop_id == shop_id, or_(*matches))
    return list((await session.exec(statement)).all())


PRUNED_BODY = "{}"  # still JSON: whatever reads an old row (a privacy export) finds nothing in it


async def prune_bodies(session: AsyncSession, received_before: datetime, limit: int) -> int:
    """Empty the bodies of up to `limit` handled or ignored events received before the cutoff
    (failed and pending ones keep theirs: they are still to be run); rows and delivery ids
    stay. Returns how many were emptied."""
    done = (EventStatus.HANDLED, EventStatus.IGNORED)
    chosen = (
        select(WebhookEvent.id)
        .where(
            col(WebhookEvent.status).in_(done),
            col(WebhookEvent.received_at) < received_before,
            col(WebhookEvent.payload) != PRUNED_BODY,
        )
        .limit(limit)
    )
    ids = [event_id for event_id in (await session.exec(chosen)).all() if event_id is not None]
    if ids:
        await session.exec(
            update(WebhookEvent).where(col(WebhookEvent.id).in_(ids)).values(payload=PRUNED_BODY)
        )
    return len(ids)
