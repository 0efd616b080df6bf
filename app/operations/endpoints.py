"""The operations API: the shop's webhook deliveries (what arrived, what failed and why, and
a retry) and its store syncs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from app.auth.dependencies import ShopDep
from app.deps import RowId, SessionDep
from app.operations import service
from app.webhooks.models import EventStatus

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
    events = await service.recent_events(session, shop.id, status, limit)
    return [EventSummary.model_validate(e) for e in events]


@router.post("/webhook-events/{event_id}/retry", status_code=202)
async def retry_event(event_id: RowId, shop: ShopDep, session: SessionDep) -> EventSummary:
    """Process a failed delivery again (after the cause was fixed)."""
    event = await service.retry_failed(session, shop.id, event_id)
    return EventSummary.model_validate(event)


@router.get("/syncs")
async def list_syncs(shop: ShopDep, session: SessionDep) -> list[SyncSummary]:
    """Reconciliation and backfill passes with their progress, newest first."""
    syncs = await service.recent_syncs(session, shop.id)
    return [SyncSummary.model_validate(s) for s in syncs]
