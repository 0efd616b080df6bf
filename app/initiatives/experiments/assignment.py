"""Who is in which group: a deterministic, sticky draw, recorded when a customer becomes
eligible.

The draw is a hash of the initiative's id and the customer's key mapped to [0, 1): below the
holdout share is the holdout, the rest is split among the variants by weight. The same
customer always lands in the same place (no state needed to draw again), different
initiatives draw independently, and the first recorded group wins: a merchant who changes the
split later moves no one who was already counted."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import insert_many_or_skip
from app.initiatives.experiments.models import ExperimentAssignment
from app.initiatives.experiments.variants import HOLDOUT, TREATED, has_experiment, parsed
from app.initiatives.models import Initiative
from app.initiatives.schemas import Variant

_SCALE = float(2**64)


def position(initiative_id: int, customer_key: str) -> float:
    """The customer's place in [0, 1) for this initiative: uniform, and independent between
    initiatives (the id is part of what is hashed)."""
    digest = hashlib.sha256(f"{initiative_id}:{customer_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def group_at(place: float, holdout_share: float, variants: Sequence[Variant]) -> str:
    """The group of a customer at `place`: the holdout below its share, then each variant in
    a slice as wide as its weight (`treated` when there are no variants)."""
    if place < holdout_share:
        return HOLDOUT
    if not variants:
        return TREATED
    within = (place - holdout_share) / (1.0 - holdout_share) * sum(v.weight for v in variants)
    reached = 0.0
    for variant in variants:
        reached += variant.weight
        if within < reached:
            return variant.key
    return variants[-1].key  # float rounding at the very top


def shares(holdout_share: float, variants: Sequence[Variant]) -> dict[str, float]:
    """Each group's configured share of all eligible customers."""
    treated = 1.0 - holdout_share
    total = sum(v.weight for v in variants)
    split = {v.key: treated * v.weight / total for v in variants} if variants else {}
    split = split or {TREATED: treated}
    return {HOLDOUT: holdout_share, **split} if holdout_share > 0 else split


def configured_shares(initiative: Initiative) -> dict[str, float]:
    return shares(initiative.holdout_share, parsed(initiative))


async def assign(
    session: AsyncSession, initiative: Initiative, keys: Iterable[str], now: datetime
) -> dict[str, str]:
    """Record the group of each customer key not yet recorded for this initiative, and return
    every key's group as recorded (the first one wins); empty without an experiment."""
    wanted = sorted(set(keys))
    if not wanted or not has_experiment(initiative):
        return {}
    assert initiative.id is not None
    variants = parsed(initiative)
    rows = [
        {
            "shop_id": initiative.shop_id,
            "initiative_id": initiative.id,
            "customer_key": key,
            "group": group_at(position(initiative.id, key), initiative.holdout_share, variants),
            "assigned_at": now,
        }
        for key in wanted
    ]
    unique = ["initiative_id", "customer_key"]
    await insert_many_or_skip(session, ExperimentAssignment, rows, unique, ("id",))
    return await recorded(session, initiative, wanted)


async def recorded(
    session: AsyncSession, initiative: Initiative, keys: Sequence[str]
) -> dict[str, str]:
    """The recorded group of each of `keys` that has one."""
    statement = select(ExperimentAssignment.customer_key, ExperimentAssignment.group).where(
        ExperimentAssignment.shop_id == initiative.shop_id,
        ExperimentAssignment.initiative_id == initiative.id,
        col(ExperimentAssignment.customer_key).in_(list(keys)),
    )
    return dict((await session.exec(statement)).all())


async def group_of(session: AsyncSession, initiative: Initiative, key: str | None) -> str | None:
    if key is None or not has_experiment(initiative):
        return None
    return (await recorded(session, initiative, [key])).get(key)
