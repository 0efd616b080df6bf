"""When a customer counts as lapsed: the lapse threshold of a win-back initiative.

By default it is the shop's own purchase cycle: the times between each customer's consecutive
counted orders over the last two years, at the settings' percentile (80th by default: four in
five returning customers came back sooner). With fewer than `MIN_GAPS` such times the history
says too little and the threshold is `FALLBACK_DAYS` (60); a derived threshold is kept within
`BOUNDS_DAYS`. A fixed `lapse_days` in the settings wins over both.

The query reads the shop's counted orders of two years once a day per initiative (one index
range on orders by shop); the rule is a pure function (`threshold_from`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, text
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import UTCDateTime
from app.initiatives.settings import WinBackSettings
from app.integrations.events import OrderState

FALLBACK_DAYS = 60
MIN_GAPS = 20  # fewer times between orders than this: not enough history
BOUNDS_DAYS = (14, 365)
HISTORY = timedelta(days=730)


@dataclass(frozen=True)
class Threshold:
    days: int
    derived: bool  # from the shop's history
    gaps: int  # how many times between orders the history held

    @property
    def delta(self) -> timedelta:
        return timedelta(days=self.days)


def threshold_from(
    settings: WinBackSettings, gaps: int, percentile_days: float | None
) -> Threshold:
    """The threshold for `gaps` times between orders whose percentile is `percentile_days`."""
    if settings.lapse_days is not None:
        return Threshold(settings.lapse_days, derived=False, gaps=gaps)
    if gaps < MIN_GAPS or percentile_days is None:
        return Threshold(FALLBACK_DAYS, derived=False, gaps=gaps)
    low, high = BOUNDS_DAYS
    return Threshold(min(high, max(low, math.ceil(percentile_days))), derived=True, gaps=gaps)


# Times between a customer's consecutive counted orders (not test, not cancelled), in days.
_GAPS = text(
    """
    SELECT count(gap), percentile_cont(:share) WITHIN GROUP (ORDER BY gap)
    FROM (
        SELECT extract(epoch FROM placed_at - lag(placed_at) OVER (
                   PARTITION BY customer_key ORDER BY placed_at)) / 86400.0 AS gap
        FROM orders
        WHERE shop_id = :shop_id AND customer_key IS NOT NULL AND state = :open
          AND NOT test AND placed_at >= :since AND placed_at < :now
    ) AS gaps
    WHERE gap IS NOT NULL
    """
).bindparams(bindparam("since", type_=UTCDateTime()), bindparam("now", type_=UTCDateTime()))


async def lapse_threshold(
    session: AsyncSession, shop_id: int, settings: WinBackSettings, now: datetime
) -> Threshold:
    """The shop's lapse threshold for these settings, from its counted orders."""
    if settings.lapse_days is not None:
        return threshold_from(settings, 0, None)
    params = {
        "share": settings.lapse_percentile / 100,
        "shop_id": shop_id,
        "open": OrderState.OPEN.value,
        "since": now - HISTORY,
        "now": now,
    }
    row = (await session.exec(_GAPS, params=params)).one()  # type: ignore[call-overload]
    gaps, percentile = int(row[0]), row[1]
    return threshold_from(settings, gaps, float(percentile) if percentile is not None else None)
