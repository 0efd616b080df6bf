"""Inbox queries. Every one is scoped by shop, or by an event id the job was given."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import insert_or_skip
from app.webhooks.models import EventStatus, WebhookEvent


async def store_delivery(session: AsyncSession, event: WebhookEvent) -> int | None:
    """Insert the delivery unless the shop already has one with its delivery id; the new
    row's id, or None for a duplicate."""
    values = event.model_dump(exclude={"id"})
    return await insert_or_skip(session, WebhookEvent, values, ["shop_id", "delivery_id"])


async def get_event(session: AsyncSession, event_id: int) -> WebhookEvent | None:
    return await session.get(WebhookEvent, event_id, populate_existing=True)


async def event_exists(session: AsyncSession, event_id: int) -> bool:
    statement = select(exists().where(col(WebhookEvent.id) == event_id))
    return bool((await session.exec(statement)).one())


async def stale_pending_ids(
    session: AsyncSession, received_before: datetime, limit: int
) -> list[int]:
    statement = (
        select(WebhookEvent.id)
        .where(
            WebhookEvent.status == EventStatus.PENDING, WebhookEvent.received_at < received_before
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
