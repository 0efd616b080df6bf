"""What the alerts remember of each key result (`KeyResultAlert`): its status as last seen, its
last drop and the week its owner was last e-mailed. Every change is one conditional statement,
so that two checks at once (a retry, a second worker) cannot both see the same drop or both
take the same week; the caller's transaction commits them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import insert_many_or_skip
from app.digest.alerts.models import KeyResultAlert
from app.okr.health import Health, worst
from app.okr.models import KeyResult

# How long a drop that has not risen back is shown (dashboard, key result page): as long as
# the week an e-mail about it covers.
SHOWN_FOR = timedelta(days=7)


@dataclass(frozen=True)
class Drop:
    """A key result whose status fell since it was last seen."""

    key_result_id: int
    title: str
    before: Health
    after: Health
    at: datetime | None = None


def is_drop(before: Health, after: Health) -> bool:
    """Worse than before: on track → at risk → off track."""
    return before is not after and worst([before, after]) is after


def week_of(day: date) -> date:
    """The Monday of `day`'s week (shop-local days): one alert per key result and week."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Noted:
    """What a check changed: the key results whose noted status moved (either way: a rise
    takes a drop off the pages), and those that dropped, with the status they fell from."""

    moved: list[int]
    dropped: dict[int, Health]


async def observe(
    session: AsyncSession, shop_id: int, seen: dict[int, Health], now: datetime
) -> Noted:
    """Note each key result's status now (`seen`: key result id → status). A key result
    seen for the first time has no drop: nothing is known of where it was before."""
    held = await _held(session, shop_id, list(seen))
    first = [
        {"key_result_id": kr_id, "shop_id": shop_id, "health": health.value, "seen_at": now}
        for kr_id, health in seen.items()
        if kr_id not in held
    ]
    await insert_many_or_skip(session, KeyResultAlert, first, ["key_result_id"], ("key_result_id",))
    noted = Noted([], {})
    for kr_id, row in held.items():
        before, after = Health(row.health), seen[kr_id]
        if before is after or not await _move(session, row, after, now):
            continue
        noted.moved.append(kr_id)
        if is_drop(before, after):
            noted.dropped[kr_id] = before
    return noted


async def _held(
    session: AsyncSession, shop_id: int, key_result_ids: list[int]
) -> dict[int, KeyResultAlert]:
    if not key_result_ids:
        return {}
    statement = select(KeyResultAlert).where(
        KeyResultAlert.shop_id == shop_id,
        col(KeyResultAlert.key_result_id).in_(key_result_ids),
    )
    rows = (await session.exec(statement)).all()
    # Read as plain values: the updates below are statements, not changes to these objects.
    for row in rows:
        session.expunge(row)
    return {row.key_result_id: row for row in rows}


async def _move(session: AsyncSession, row: KeyResultAlert, after: Health, now: datetime) -> bool:
    """Set the new status if it is still the one read (compare and set): of two checks at once,
    one moves it. A drop keeps the status it first fell from; a rise back to it (or above)
    forgets the drop."""
    before = Health(row.health)
    values: dict[str, object] = {"health": after.value, "seen_at": now}
    if is_drop(before, after):
        values["dropped_from"] = row.dropped_from or before.value
        values["dropped_at"] = now
    elif row.dropped_from is None or not is_drop(Health(row.dropped_from), after):
        values["dropped_from"] = None
        values["dropped_at"] = None
    statement = (
        update(KeyResultAlert)
        .where(
            col(KeyResultAlert.key_result_id) == row.key_result_id,
            col(KeyResultAlert.health) == row.health,
        )
        .values(**values)
        .returning(col(KeyResultAlert.key_result_id))
    )
    return (await session.exec(statement)).scalar_one_or_none() is not None


async def claim_week(session: AsyncSession, key_result_id: int, week: date, now: datetime) -> bool:
    """Take the week's alert for this key result, in one statement: of two runs, one gets it."""
    statement = (
        update(KeyResultAlert)
        .where(
            col(KeyResultAlert.key_result_id) == key_result_id,
            col(KeyResultAlert.alerted_week).is_(None) | (col(KeyResultAlert.alerted_week) < week),
        )
        .values(alerted_week=week, alerted_at=now)
        .returning(col(KeyResultAlert.key_result_id))
    )
    return (await session.exec(statement)).scalar_one_or_none() is not None


async def release(session: AsyncSession, drops: list[Drop], week: date) -> None:
    """The e-mail about `drops` did not go: each one's week is given back and its status set
    back to the one it fell from, so that the next check sees the drop again and tells it.
    (Its noted drop stays: the dashboard still shows it.)"""
    for drop in drops:
        statement = (
            update(KeyResultAlert)
            .where(
                col(KeyResultAlert.key_result_id) == drop.key_result_id,
                col(KeyResultAlert.alerted_week) == week,
            )
            .values(alerted_week=None, alerted_at=None, health=drop.before.value)
        )
        await session.exec(statement)


async def recent_drops(
    session: AsyncSession, shop_id: int, since: datetime, key_result_id: int | None = None
) -> list[Drop]:
    """The shop's key results that fell since `since` and have not risen back, newest first:
    the dashboard's notice; with `key_result_id`, that one's (its page says it)."""
    statement = (
        select(KeyResultAlert, KeyResult.title)
        .join(KeyResult, col(KeyResult.id) == KeyResultAlert.key_result_id)
        .where(
            KeyResultAlert.shop_id == shop_id,
            col(KeyResultAlert.dropped_from).is_not(None),
            col(KeyResultAlert.dropped_at) >= since,
        )
        .order_by(col(KeyResultAlert.dropped_at).desc())
    )
    if key_result_id is not None:
        statement = statement.where(KeyResultAlert.key_result_id == key_result_id)
    return [
        Drop(row.key_result_id, title, Health(row.dropped_from or row.health), Health(row.health),
             row.dropped_at)
        for row, title in (await session.exec(statement)).all()
    ]  # fmt: skip
