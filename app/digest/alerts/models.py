"""The status each key result was last seen with, and its last drop and alert (one row per key
result): what tells a drop from a status that was already low, and a week's alert from a
second one."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow


class KeyResultAlert(SQLModel, table=True):
    __tablename__ = "key_result_alerts"

    key_result_id: int = Field(
        foreign_key="okr_key_results.id", ondelete="CASCADE", primary_key=True
    )
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", index=True)
    # `app.okr.health.Health`'s value, as last seen by the check.
    health: str = Field(max_length=16)
    seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The last drop, while the status has not risen again: the dashboard says it.
    dropped_from: str | None = Field(default=None, max_length=16)
    dropped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The Monday (shop-local) of the week the owner was last e-mailed about this key result:
    # a second drop that week finds it taken.
    alerted_week: date | None = None
    alerted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
