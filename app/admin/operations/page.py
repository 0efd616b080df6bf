"""The Operations page: is the store connected, are its webhooks arriving and being handled
(failed ones said in a sentence, with a reference for the operator and a Retry), how far the
backfill and reconciliation passes have read, and which marketing e-mails failed (the mail
server down or refusing). The JSON API of the same webhook and sync facts is
app/operations/endpoints.py; both read app/operations/service.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app.admin.initiatives.send_log import failure_sentence
from app.admin.operations.failures import what_went_wrong
from app.admin.rendering import render
from app.auth.dependencies import ShopDep
from app.commerce.models import StoreSync, SyncStatus
from app.deps import RowId, SessionDep
from app.initiatives import repository as initiatives
from app.integrations.base import RESOURCES
from app.operations import service
from app.shops.models import SignedInShop

router = APIRouter(include_in_schema=False)

EVENTS_PER_PAGE = 25
LAST_PAGE = 400  # 10 000 deliveries back: older ones are in the JSON API
SYNCS_SHOWN = 10
FAILED_SENDS_SHOWN = 20


@dataclass(frozen=True)
class FailedSend:
    """A marketing e-mail the mail server refused or could not be reached for, after every
    try, said in a sentence (the SMTP client's own error stays in the logs and the JSON API)."""

    initiative_id: int
    initiative_name: str
    step: int
    at: datetime
    sentence: str


@dataclass(frozen=True)
class SyncProgress:
    """A pass over the store's API as the page draws it: it reads one resource after another
    (customers, orders, checkouts) and does not know their totals ahead, so its bar counts
    resources read; the label says how many records so far."""

    sync: StoreSync
    step: int  # resources finished, 0…steps
    steps: int


@dataclass(frozen=True)
class Connection:
    shop: SignedInShop
    scopes: list[str]
    last_received_at: datetime | None
    counts: dict[str, int]  # deliveries by status value
    webhook_check: service.WebhookCheck  # the hourly check of our webhooks on the store


def progress_of(sync: StoreSync) -> SyncProgress:
    steps = len(RESOURCES)
    if sync.status is SyncStatus.DONE:
        return SyncProgress(sync, steps, steps)
    step = RESOURCES.index(sync.resource) if sync.resource in RESOURCES else 0
    return SyncProgress(sync, step, steps)


@dataclass(frozen=True)
class Paging:
    page: int  # 1 is the newest deliveries
    pages: int

    @property
    def older(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None

    @property
    def newer(self) -> int | None:
        return self.page - 1 if self.page > 1 else None


def paging(requested: int, deliveries: int) -> Paging:
    pages = max(1, min(LAST_PAGE, -(-deliveries // EVENTS_PER_PAGE)))
    return Paging(min(max(requested, 1), pages), pages)


@router.get("/admin/operations", response_class=HTMLResponse)
async def operations(
    request: Request,
    shop: ShopDep,
    session: SessionDep,
    page: Annotated[int, Query(ge=1, le=LAST_PAGE)] = 1,
) -> HTMLResponse:
    """The store connection, webhooks a page at a time (failed ones summarised in words and
    retried from here), sync progress."""
    shop_id = shop.id
    counts = {s.value: n for s, n in (await service.count_by_status(session, shop_id)).items()}
    pages = paging(page, sum(counts.values()))
    offset = (pages.page - 1) * EVENTS_PER_PAGE
    events = await service.recent_events(session, shop_id, limit=EVENTS_PER_PAGE, offset=offset)
    newest = await service.recent_events(session, shop_id, limit=1)
    connection = Connection(
        shop=shop,
        scopes=[scope.strip() for scope in shop.scopes.split(",") if scope.strip()],
        last_received_at=newest[0].received_at if newest else None,
        counts=counts,
        webhook_check=await service.webhook_check(session, shop_id),
    )
    syncs = await service.recent_syncs(session, shop_id, limit=SYNCS_SHOWN)
    failed_sends = await initiatives.failed_sends(session, shop_id, limit=FAILED_SENDS_SHOWN)
    context = {
        "shop": shop,
        "section": "operations",
        "connection": connection,
        "events": events,
        "paging": pages,
        "what_went_wrong": what_went_wrong,
        "syncs": [progress_of(sync) for sync in syncs],
        "failed_sends": [
            FailedSend(
                send.initiative_id,
                name,
                send.step,
                send.updated_at,
                failure_sentence(send),
            )
            for send, name in failed_sends
        ],
    }
    return render(request, "operations/operations.html", context)


@router.post("/admin/operations/webhooks/{event_id}/retry", response_class=HTMLResponse)
async def retry(
    request: Request, event_id: RowId, shop: ShopDep, session: SessionDep
) -> HTMLResponse:
    """Queue a failed webhook again; the row, now waiting, replaces the failed one."""
    event = await service.retry_failed(session, shop.id, event_id)
    context = {"shop": shop, "event": event, "what_went_wrong": what_went_wrong}
    return render(request, "operations/_event_row.html", context)
