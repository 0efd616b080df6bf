"""What the shop's operations views (the JSON API and the admin page) read and do: recent
deliveries, a retry of a failed one, the progress of store syncs. Every query is scoped by shop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.models import StoreSync
from app.errors import Conflict, NotFound
from app.shops.models import Shop
from app.webhooks.models import EventStatus, WebhookEvent
from app.webhooks.service import process_job
from app.worker import enqueue_after_commit

SYNCS_SHOWN = 50


async def recent_events(
    session: AsyncSession, shop_id: int, status: EventStatus | None = None, limit: int = 100,
    offset: int = 0,
) -> list[WebhookEvent]:  # fmt: skip
    """The shop's deliveries, newest first (from the `offset`-th); only those in `status` when
    given."""
    statement = select(WebhookEvent).where(WebhookEvent.shop_id == shop_id)
    if status is not None:
        statement = statement.where(WebhookEvent.status == status)
    newest_first = (col(WebhookEvent.received_at).desc(), col(WebhookEvent.id).desc())
    statement = statement.order_by(*newest_first).offset(offset).limit(limit)
    return list((await session.exec(statement)).all())


async def get_event(session: AsyncSession, shop_id: int, event_id: int) -> WebhookEvent:
    """One of the shop's deliveries (another shop's is not found)."""
    statement = select(WebhookEvent).where(
        WebhookEvent.shop_id == shop_id, WebhookEvent.id == event_id
    )
    event = (await session.exec(statement)).first()
    if event is None:
        raise NotFound(f"no webhook event {event_id} in this shop")
    return event


async def retry_failed(session: AsyncSession, shop_id: int, event_id: int) -> WebhookEvent:
    """Queue a failed delivery again (after its cause was fixed): pending, tries reset, its job
    sent after commit. Another shop's event is not found; one that has not failed conflicts."""
    event = await get_event(session, shop_id, event_id)
    if event.status is not EventStatus.FAILED:
        raise Conflict(
            f"webhook event {event_id} is {event.status.value}; only failed ones are retried"
        )
    event.status, event.attempts, event.last_error = EventStatus.PENDING, 0, None
    enqueue_after_commit(session, process_job(event_id))
    return event


async def recent_syncs(
    session: AsyncSession, shop_id: int, limit: int = SYNCS_SHOWN
) -> list[StoreSync]:
    """Reconciliation and backfill passes, newest first."""
    statement = (
        select(StoreSync)
        .where(StoreSync.shop_id == shop_id)
        .order_by(col(StoreSync.started_at).desc())
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def get_sync(session: AsyncSession, shop_id: int, sync_id: int) -> StoreSync:
    """One of the shop's syncs (another shop's is not found)."""
    statement = select(StoreSync).where(StoreSync.shop_id == shop_id, StoreSync.id == sync_id)
    sync = (await session.exec(statement)).first()
    if sync is None:
        raise NotFound(f"no sync {sync_id} in this shop")
    return sync


@dataclass(frozen=True)
class WebhookCheck:
    """The hourly check of our webhooks on the store (WooCommerce): when it last looked, and
    how many of ours it had to put back then; `checked_at` None: not checked yet."""

    checked_at: datetime | None
    put_back: int


async def webhook_check(session: AsyncSession, shop_id: int) -> WebhookCheck:
    shop = await session.get(Shop, shop_id)
    if shop is None:
        return WebhookCheck(None, 0)
    return WebhookCheck(shop.webhooks_checked_at, shop.webhooks_put_back or 0)


async def count_by_status(session: AsyncSession, shop_id: int) -> dict[EventStatus, int]:
    """How many of the shop's deliveries are in each status (those with none are left out)."""
    statement = (
        select(WebhookEvent.status, func.count())
        .where(WebhookEvent.shop_id == shop_id)
        .group_by(col(WebhookEvent.status))
    )
    rows = (await session.exec(statement)).all()
    return {EventStatus(status): count for status, count in rows}
