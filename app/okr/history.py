"""Each metric key result's daily history: one snapshot per day of its window up to yesterday,
so the key-result chart shows the value over time from the window's first day — also for a key
result made mid-cycle, and for a shop whose past just arrived by backfill."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import insert_many_or_skip, utcnow
from app.okr.evaluation import evaluate_key_result, kr_span
from app.okr.models import CheckIn, Cycle, KeyResult, Source, Window
from app.okr.scoring import Bands
from app.okr.service import bands_for, open_key_results, today_for
from app.shops.models import Shop

# Days computed per key result and run: a year's window fills in one run; the hourly job
# carries on with anything longer.
MOST_DAYS_PER_RUN = 400


async def fill_history(session: AsyncSession, shop: Shop, *, redo: bool = False) -> int:
    """Snapshot every day of the shop's open metric key results that has none (with `redo`,
    every day again: the store's past has changed, e.g. a backfill finished). The number of
    snapshots written.

    Everything is read and computed first and written at the end, in one burst: the write
    lock (SQLite's is the whole database) is held for the writes only, not the evaluations."""
    today = today_for(shop)
    bands = await bands_for(session, shop.id or 0)
    rows: list[dict[str, object]] = []
    redone: list[tuple[KeyResult, list[date]]] = []
    for kr, cycle in await open_key_results(session, shop.id or 0, Source.METRIC):
        days = _days_to_snapshot(kr, cycle, today)
        if redo:
            redone.append((kr, days))
        else:
            taken = await _snapshot_days(session, kr)
            days = [day for day in days if day not in taken]
        for day in days[-MOST_DAYS_PER_RUN:]:
            rows.append(await _snapshot(session, shop, kr, cycle, day, bands))
    for kr, days in redone:
        await _forget(session, kr, days)
    # A snapshot another run wrote meanwhile is kept (one per key result and day).
    written = await insert_many_or_skip(
        session, CheckIn, rows, ["key_result_id", "snapshot_day"], ("id",)
    )
    return len(written)


def _days_to_snapshot(kr: KeyResult, cycle: Cycle, today: date) -> list[date]:
    """The window's days up to yesterday (a rolling window: the cycle's days)."""
    spans = kr_span(kr, cycle, today)
    if spans is None:
        return []
    first, last = (cycle.start, cycle.end) if kr.window is Window.ROLLING else spans[0]
    first, last = max(first, cycle.start), min(last, cycle.end, today - timedelta(days=1))
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


async def _snapshot_days(session: AsyncSession, kr: KeyResult) -> set[date]:
    statement = select(col(CheckIn.snapshot_day)).where(
        CheckIn.key_result_id == kr.id, col(CheckIn.snapshot_day).is_not(None)
    )
    return {day for day in (await session.exec(statement)).all() if day is not None}


async def _forget(session: AsyncSession, kr: KeyResult, days: list[date]) -> None:
    if days:
        await session.exec(
            delete(CheckIn).where(
                col(CheckIn.key_result_id) == kr.id,
                col(CheckIn.snapshot_day).between(days[0], days[-1]),
            )
        )


async def _snapshot(
    session: AsyncSession, shop: Shop, kr: KeyResult, cycle: Cycle, day: date, bands: Bands
) -> dict[str, object]:
    """The key result as it stood at the end of `day` (its window up to and including that
    day, or a rolling window's days ending with it), as the row to store."""
    # Evaluated "today", a window runs up to and including today; a rolling one up to yesterday.
    as_of = day + timedelta(days=1) if kr.window is Window.ROLLING else day
    status = await evaluate_key_result(session, shop.id or 0, kr, cycle, as_of, bands)
    return {
        "shop_id": shop.id,
        "key_result_id": kr.id,
        "at": utcnow(),
        "value": status.value,
        "score": status.score,
        "comment": "",
        "author": "StoreOKR",
        "snapshot_day": day,
    }
