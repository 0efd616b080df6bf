"""Quiet hours in the shop's time zone, as a pure function: when a marketing e-mail due at a
moment may go. The shop's window is its own (`app.messaging.shop_settings`)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

# No marketing e-mail arrives between these hours of the shop's day, unless the shop chose
# otherwise: it waits for the end.
QUIET_START, QUIET_END = time(21), time(8)


def quiet_until(
    now: datetime, timezone: str, start: time = QUIET_START, end: time = QUIET_END
) -> datetime | None:
    """When the quiet hours around `now` end (UTC), in the shop's `timezone`; None when `now`
    is outside them. A window may span midnight (21:00–08:00) or not (01:00–06:00)."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    moment = local.time()
    quiet = (moment >= start or moment < end) if start > end else start <= moment < end
    if not quiet:
        return None
    day = local.date() if moment < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone).astimezone(UTC)
