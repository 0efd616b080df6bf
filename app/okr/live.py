"""Live key results: when a shop's metrics move, each of its open streams hears the new value,
score and pace of the metric key results in its open cycles (`key_results_moved` follows the
"metrics" messages: registered in `app/wiring.py`)."""

from __future__ import annotations

from typing import Any

from app.okr.evaluation import evaluate_key_results
from app.okr.models import Source
from app.okr.service import bands_for, open_key_results, today_for
from app.runtime import Runtime
from app.shops.models import Shop


async def key_results_moved(runtime: Runtime, shop_id: int) -> tuple[str, dict[str, Any]] | None:
    async with runtime.sessionmaker() as session:
        shop = await session.get(Shop, shop_id)
        if shop is None:
            return None
        today = today_for(shop)
        rows = await open_key_results(session, shop_id, Source.METRIC)
        if not rows:
            return None
        bands = await bands_for(session, shop_id)
        statuses = await evaluate_key_results(session, shop_id, rows, today, bands)
        changed = []
        for (kr, _), status in zip(rows, statuses, strict=True):
            changed.append(
                {
                    "id": kr.id,
                    "value": None if status.value is None else str(status.value),
                    "score": status.score,
                    "band": status.band,
                    "health": status.health,
                    "pace": status.pace,
                }
            )
    return "key_results", {"key_results": changed}
