"""What an experiment changes when customers become eligible: each is placed in a group
(recorded, `assignment`), a holdout member's enrollment is written already ended — so the
sweeps that look for who is not yet enrolled do not find them again, and nothing is ever
sent — and a variant's timing sets when the first e-mail is due."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.initiatives.experiments.assignment import assign
from app.initiatives.experiments.variants import HOLDOUT, first_delay, variant_named
from app.initiatives.models import EnrollmentStatus, Initiative

# The end reason of a holdout member's enrollment.
HELD_OUT = "holdout"


async def place(
    session: AsyncSession, pairs: Iterable[tuple[Initiative, str]], now: datetime
) -> dict[tuple[int, str], str]:
    """The group of each (initiative, customer key), recorded where it was not yet: keyed by
    (initiative id, customer key); absent where the initiative has no experiment."""
    keys_of: dict[int, set[str]] = defaultdict(set)
    initiatives: dict[int, Initiative] = {}
    for initiative, key in pairs:
        assert initiative.id is not None
        keys_of[initiative.id].add(key)
        initiatives[initiative.id] = initiative
    placed = {}
    for initiative_id, keys in keys_of.items():
        groups = await assign(session, initiatives[initiative_id], keys, now)
        placed.update({(initiative_id, key): group for key, group in groups.items()})
    return placed


def shape(
    row: dict[str, Any],
    initiative: Initiative,
    group: str | None,
    eligible_at: datetime,
    default_delay: timedelta,
    now: datetime,
) -> dict[str, Any]:
    """The enrollment row as the group makes it: a holdout member's ended at once, a
    variant's first e-mail due after the variant's own delay."""
    if group == HOLDOUT:
        row.update(
            status=EnrollmentStatus.STOPPED, end_reason=HELD_OUT, next_due_at=None, ended_at=now
        )
        return row
    row["next_due_at"] = eligible_at + first_delay(variant_named(initiative, group), default_delay)
    return row
