"""The demo's initiatives: an active abandoned-checkout recovery, an active win-back and an
active NPS survey of returning customers on the Shopify demo store, an active recovery on the
WooCommerce one, each linked to the key result of the demo's objectives that measures it, with
delays short enough to watch (the shortest steps the settings allow; a win-back run as soon as
the store's past is in; the survey e-mail as soon as a customer orders again)."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from app.commerce.models import StoreSync, SyncKind, SyncStatus
from app.db import utcnow
from app.initiatives import service
from app.initiatives.models import Initiative, InitiativeStatus, InitiativeType
from app.initiatives.schemas import InitiativeIn
from app.initiatives.settings import MIN_DELAY_MINUTES
from app.initiatives.tasks import run_win_back
from app.okr.models import KeyResult
from app.runtime import Runtime
from app.shops.models import Shop
from app.worker import enqueue_after_commit

ACTOR = "demo"
RECOVERY_METRIC, WIN_BACK_METRIC = "initiative_recovered_checkouts", "reactivated_customers"
SURVEY_METRIC = "nps"
METRICS = (RECOVERY_METRIC, WIN_BACK_METRIC, SURVEY_METRIC)


def recovery_settings() -> dict[str, object]:
    """Two steps, the first as soon as the settings allow after abandonment; on WooCommerce
    (no consent box of its own) the demo shop sends on another basis, as a shop may choose."""
    return {
        "steps": [{"delay_minutes": MIN_DELAY_MINUTES}, {"delay_minutes": 45}],
        "woocommerce_consent": "not_required",
    }


def win_back_settings(send_hour: int) -> dict[str, object]:
    """Customers lapsed 30 to 45 days (about a hundred in the demo's past), a 10 % code for
    3 days, looked for at `send_hour` (the demo's start) every day."""
    return {"lapse_days": 30, "max_lapse_days": 45, "send_hour": send_hour}


async def start_initiatives(
    runtime: Runtime,
    shop_id: int,
    now: datetime,
    kinds: Collection[InitiativeType] = (
        InitiativeType.ABANDONED_CHECKOUT,
        InitiativeType.WIN_BACK,
        InitiativeType.SURVEY,
    ),
) -> dict[str, int]:
    """Create and activate (at `now`) the recovery, win-back and survey initiatives (those of
    `kinds`: the WooCommerce store has no past to win customers back from), each linked to its
    key result of the shop's objectives; their ids by type. Nothing when the shop has them."""
    async with runtime.transaction() as session:
        shop = await session.get(Shop, shop_id)
        assert shop is not None
        held = await session.exec(select(Initiative.id).where(Initiative.shop_id == shop_id))
        if held.first() is not None:
            return {}
        statement = select(KeyResult.metric_key, KeyResult.id).where(
            KeyResult.shop_id == shop_id,
            col(KeyResult.metric_key).in_(METRICS),
        )
        key_results = dict((await session.exec(statement)).all())
        made: dict[str, int] = {}
        for kind, name, metric, settings in (
            (InitiativeType.ABANDONED_CHECKOUT, "Recover abandoned carts", RECOVERY_METRIC,
             recovery_settings()),
            (InitiativeType.WIN_BACK, "Win back lapsed customers", WIN_BACK_METRIC,
             win_back_settings(now.astimezone(ZoneInfo(shop.timezone)).hour)),
            (InitiativeType.SURVEY, "How did we do?", SURVEY_METRIC, {"days_after": 0}),
        ):  # fmt: skip
            if kind not in kinds:
                continue
            linked = [kr for kr in [key_results.get(metric)] if kr is not None]
            body = InitiativeIn(type=kind, name=name, settings=settings, key_result_ids=linked)
            initiative = await service.create(session, shop_id, body, ACTOR, now)
            assert initiative.id is not None
            await service.move(session, shop_id, initiative.id, InitiativeStatus.ACTIVE, ACTOR, now)
            made[kind.value] = initiative.id
        return made


async def win_back_after_backfill(
    runtime: Runtime, shop_id: int, initiative_id: int, poll_s: float = 2.0
) -> None:
    """Queue today's win-back run once the shop's backfill is done (the lapsed customers are
    found in its past); the hourly sweep would only look at the initiative's hour."""
    await backfilled(runtime, shop_id, poll_s)
    async with runtime.transaction() as session:
        shop = await session.get(Shop, shop_id)
        assert shop is not None
        day = utcnow().astimezone(ZoneInfo(shop.timezone)).date().isoformat()
        job = run_win_back.job(initiative_id, day)
        enqueue_after_commit(session, job.keyed(f"win-back-run:{initiative_id}:{day}"))


async def backfilled(runtime: Runtime, shop_id: int, poll_s: float = 2.0) -> None:
    """Return once the shop's backfill has finished."""
    while True:
        async with runtime.transaction() as session:
            statement = select(StoreSync.status).where(
                StoreSync.shop_id == shop_id, StoreSync.kind == SyncKind.BACKFILL
            )
            statuses = list((await session.exec(statement)).all())
        if statuses and all(s is not SyncStatus.RUNNING for s in statuses):
            return
        await asyncio.sleep(poll_s)
