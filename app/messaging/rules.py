"""The rules every marketing e-mail obeys, as pure functions: quiet hours in the shop's time
zone, and the frequency cap shared by all initiatives."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

# One marketing e-mail per address per this long, across every initiative of a shop; a message
# over the cap is skipped, not rescheduled (PLATFORMS.md, "Messaging norms": 8–24 h apart).
FREQUENCY_CAP = timedelta(hours=24)
# No marketing e-mail arrives between these hours of the shop's day: it waits for the end.
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
