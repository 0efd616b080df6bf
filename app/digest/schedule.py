"""When a shop's digest is due: on its weekday, from its hour on (shop-local), once a week.

"From its hour on" rather than "in its hour": a run that failed (SMTP down) or a worker that
was down at that hour catches up later the same day; a week missed entirely is not sent late,
since a Monday digest arriving on Thursday would mislead more than it informs."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.digest.models import DigestSettings


def week_of(day: date) -> date:
    """The Monday that starts the week of `day` (the key that says a week's digest was sent)."""
    return day - timedelta(days=day.weekday())


def due_week(digest: DigestSettings, timezone: str, now: datetime) -> date | None:
    """The week (its shop-local Monday) whose digest is due at `now`, or None."""
    local = now.astimezone(ZoneInfo(timezone))
    if not digest.enabled or not digest.addresses:
        return None
    if local.weekday() != digest.weekday or local.hour < digest.hour:
        return None
    week = week_of(local.date())
    if digest.last_sent_week is not None and digest.last_sent_week >= week:
        return None
    return week
