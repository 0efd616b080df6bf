"""The operations API: the shop's webhook deliveries (what arrived, what failed and why, and
a retry), its store syncs, and the job workers at work."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from redis.exceptions import RedisError

from app.auth.dependencies import ShopDep
from app.deps import RowId, RuntimeDep, SessionDep
from app.errors import ServiceUnavailable
from app.operations import service
from app.webhooks.models import EventStatus
from app.worker.heartbeat import Heartbeat, heartbeats

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


@router.get("/webhook-events/{event_id}")
async def get_event(event_id: RowId, shop: ShopDep, session: SessionDep) -> EventSummary:
    """One delivery with its whole stored error (the Operations page gives its id as the
    reference of a failure)."""
    return EventSummary.model_validate(await service.get_event(session, shop.id, event_id))


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


@router.get("/syncs/{sync_id}")
async def get_sync(sync_id: RowId, shop: ShopDep, session: SessionDep) -> SyncSummary:
    """One pass with its whole stored error (the Operations page gives its id as the
    reference of a failure)."""
    return SyncSummary.model_validate(await service.get_sync(session, shop.id, sync_id))


class WorkerSummary(BaseModel):
    worker: str = Field(description="The worker process: its host and process id.")
    seen_seconds_ago: float = Field(description="When it last wrote its heartbeat.")
    jobs_complete: int | None = None
    jobs_failed: int | None = None
    jobs_retried: int | None = None
    jobs_running: int | None = None
    queued: int | None = Field(default=None, description="Jobs waiting in Redis just then.")


class Workers(BaseModel):
    mode: Literal["embedded", "arq"] = Field(
        description="embedded: jobs run inside the web process; arq: `storeokr worker`s run them."
    )
    workers: list[WorkerSummary]


@router.get("/workers")
async def list_workers(_: ShopDep, runtime: RuntimeDep) -> Workers:
    """The job workers with a fresh heartbeat (written every minute by each worker process)."""
    if runtime.redis is None:
        return Workers(mode="embedded", workers=[])
    try:
        found = await heartbeats(runtime.redis)
    except RedisError as error:
        raise ServiceUnavailable("Redis cannot be reached: the workers cannot be listed") from error
    return Workers(mode="arq", workers=[_summary(beat) for beat in found])


def _summary(beat: Heartbeat) -> WorkerSummary:
    counts = beat.counts
    return WorkerSummary(
        worker=beat.worker,
        seen_seconds_ago=beat.seen_seconds_ago,
        jobs_complete=counts.get("j_complete"),
        jobs_failed=counts.get("j_failed"),
        jobs_retried=counts.get("j_retried"),
        jobs_running=counts.get("j_ongoing"),
        queued=counts.get("queued"),
    )
