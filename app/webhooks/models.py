"""The inbox: one row per delivery, stored before anything else happens to it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Index, Integer, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow
from app.shops.models import enum_column

# Deliveries add up (hundreds a second at peak): 64-bit ids on PostgreSQL; on SQLite only an
# INTEGER primary key auto-increments (and is 64-bit there anyway).
BIG_ID = BigInteger().with_variant(Integer(), "sqlite")
_WAITING = text("status = 'pending'")


class EventStatus(StrEnum):
    PENDING = "pending"  # stored, not yet handled (the dispatcher or its job will take it)
    HANDLED = "handled"
    IGNORED = "ignored"  # a topic StoreOKR does not use: kept for the record only
    FAILED = "failed"  # tries used up; shown with its error, retried by hand


class WebhookEvent(SQLModel, table=True):
    __tablename__ = "webhook_events"
    __table_args__ = (
        # The platform's delivery id: a redelivery of the same webhook is the same row.
        UniqueConstraint("shop_id", "delivery_id"),
        Index("ix_webhook_events_status_received_at", "status", "received_at"),
        # The dispatcher's reads: a shop's waiting events in order (pending rows only).
        Index(
            "ix_webhook_events_waiting",
            "shop_id",
            "id",
            postgresql_where=_WAITING,
            sqlite_where=_WAITING,
        ),
    )

    id: int | None = Field(default=None, sa_column=Column(BIG_ID, primary_key=True))
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE")
    delivery_id: str = Field(max_length=255)
    topic: str = Field(max_length=100)
    payload: str = Field(sa_type=Text)  # the raw body, exactly as verified
    status: EventStatus = Field(default=EventStatus.PENDING, sa_column=enum_column(EventStatus))
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    triggered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    handled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
