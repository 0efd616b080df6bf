"""The shop's view of its inbox: what arrived, what failed and why, and a retry."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict
from sqlmodel import col, select

from app.auth.dependencies import ShopDep
from app.commerce.models import StoreSync
from app.deps import SessionDep
from app.errors import Conflict, NotFound
from app.webhooks.models import EventStatus, WebhookEvent
from app.webhooks.tasks import process_job
from app.worker import enqueue_after_commit

router = APIRouter(prefix="/api/v1", tags=["operations"])


class EventSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    topic: str
    status: EventStatus
    attempts: int
    last_error: str | None
    received_at: datetime
    handled_at: datetime | None


class SyncSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    status: str
    resource: str
    records: int
    error: str | None
    started_at: datetime
    finished_at: datetime | None


@router.get("/webhook-events")
async def list_events(
    shop: ShopDep,
    session: SessionDep,
    status: EventStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[EventSummary]:
    """Recent webhook deliveries, newest first; `status=failed` for the ones that need a look."""
    statement = select(WebhookEvent).where(WebhookEvent.shop_id == shop.id)
    if status is not None:
        statement = statement.where(WebhookEvent.status == status)
    statement = statement.order_by(col(WebhookEvent.received_at).desc()).limit(limit)
    return [EventSummary.model_validate(e) for e in (await session.exec(statement)).all()]


@router.post("/webhook-events/{event_id}/retry", status_code=202)
async def retry_event(event_id: int, shop: ShopDep, session: SessionDep) -> EventSummary:
    """Process a failed delivery again (after the cause was fixed)."""
    statement = select(WebhookEvent).where(
        WebhookEvent.shop_id == shop.id, WebhookEvent.id == event_id
    )
    event = (await session.exec(statement)).first()
    if event is None:
        raise NotFound(f"no webhook event {event_id} in this shop")
    if event.status is not EventStatus.FAILED:
        raise Conflict(
            f"webhook event {event_id} is {event.status.value}; only failed ones are retried"
        )
    event.status, event.attempts, event.last_error = EventStatus.PENDING, 0, None
    enqueue_after_commit(session, process_job(event_id))
    return EventSummary.model_validate(event)


@router.get("/syncs")
async def list_syncs(shop: ShopDep, session: SessionDep) -> list[SyncSummary]:
    """Reconciliation and backfill passes with their progress, newest first."""
    statement = (
        select(StoreSync)
        .where(StoreSync.shop_id == shop.id)
        .order_by(col(StoreSync.started_at).desc())
        .limit(50)
    )
    return [SyncSummary.model_validate(s) for s in (await session.exec(statement)).all()]
