"""Live key results: when a shop's metrics move, each of its open streams hears the new value,
score and pace of the metric key results in its open cycles."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from app.db import utcnow
from app.live.follow_ups import follow
from app.metrics.figures import local_day
from app.okr.evaluation import evaluate_key_result
from app.okr.models import Cycle, CycleStatus, KeyResult, Objective, Source
from app.okr.service import bands_for
from app.runtime import Runtime
from app.shops.models import Shop


async def key_results_moved(runtime: Runtime, shop_id: int) -> tuple[str, dict[str, Any]] | None:
    async with runtime.sessionmaker() as session:
        shop = await session.get(Shop, shop_id)
        if shop is None:
            return None
        today = local_day(utcnow(), shop.timezone)
        statement = (
            select(KeyResult, Cycle)
            .join(Objective, col(Objective.id) == KeyResult.objective_id)
            .join(Cycle, col(Cycle.id) == Objective.cycle_id)
            .where(
                KeyResult.shop_id == shop_id,
                KeyResult.source == Source.METRIC,
                Cycle.status == CycleStatus.OPEN,
            )
        )
        rows = (await session.exec(statement)).all()
        if not rows:
            return None
        bands = await bands_for(session, shop_id)
        changed = []
        for kr, cycle in rows:
            status = await evaluate_key_result(session, shop_id, kr, cycle, today, bands)
            changed.append(
                {
                    "id": kr.id,
                    "value": None if status.value is None else str(status.value),
                    "score": status.score,
                    "band": status.band,
                    "pace": status.pace,
                }
            )
    return "key_results", {"key_results": changed}


follow("metrics", key_results_moved)
