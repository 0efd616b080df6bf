"""Initiative tables. Every row belongs to one shop."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow
from app.shops.models import enum_column


class InitiativeType(StrEnum):
    ABANDONED_CHECKOUT = "abandoned_checkout"
    WIN_BACK = "win_back"
    SURVEY = "survey"
    MANUAL = "manual"


class InitiativeStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class Initiative(SQLModel, table=True):
    __tablename__ = "initiatives"

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", index=True)
    type: InitiativeType = Field(sa_column=enum_column(InitiativeType, length=24))
    name: str = Field(max_length=120)
    status: InitiativeStatus = Field(
        default=InitiativeStatus.DRAFT, sa_column=enum_column(InitiativeStatus)
    )
    # The type's settings as validated by `app.initiatives.settings` (defaults filled in).
    settings: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # Experiments (a later issue): the variants ([{"key", "weight"}]) and the share of the
    # audience held out as a control group (0–0.5).
    variants: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    holdout_share: float = 0.0
    activated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # the latest time
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InitiativeKeyResult(SQLModel, table=True):
    """A key result an initiative is meant to move (same shop; checked when linked)."""

    __tablename__ = "initiative_key_results"
    __table_args__ = (UniqueConstraint("initiative_id", "key_result_id"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE")
    initiative_id: int = Field(foreign_key="initiatives.id", ondelete="CASCADE")
    key_result_id: int = Field(foreign_key="okr_key_results.id", ondelete="CASCADE", index=True)


class InitiativeAudit(SQLModel, table=True):
    """Who changed what of an initiative, and when."""

    __tablename__ = "initiative_audit"

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE")
    initiative_id: int = Field(foreign_key="initiatives.id", ondelete="CASCADE", index=True)
    actor: str = Field(max_length=64)  # "api", "admin", or "shop:<id>" for the shop's own jobs
    action: str = Field(max_length=32)  # created, updated, activated, paused, ended
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)  # field: [before, after]
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EnrollmentStatus(StrEnum):
    ACTIVE = "active"  # steps to come
    FINISHED = "finished"  # every step done (sent or skipped)
    CONVERTED = "converted"  # the checkout completed or the customer ordered
    STOPPED = "stopped"  # ended at send time: `end_reason` says why (already bought, consent…)
    CANCELLED = "cancelled"  # the initiative was paused or ended


class RecoveryEnrollment(SQLModel, table=True):
    """One abandoned checkout in one abandoned-checkout initiative: which step is next, when,
    and how it ended (converted, and whether the recovery counts for the initiative)."""

    __tablename__ = "recovery_enrollments"
    __table_args__ = (
        UniqueConstraint("initiative_id", "checkout_token"),
        Index("ix_recovery_enrollments_status_next_due_at", "status", "next_due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", index=True)
    initiative_id: int = Field(foreign_key="initiatives.id", ondelete="CASCADE")
    checkout_token: str = Field(max_length=255)
    customer_key: str | None = Field(default=None, max_length=330)
    abandoned_at: datetime = Field(sa_type=UTCDateTime)
    status: EnrollmentStatus = Field(
        default=EnrollmentStatus.ACTIVE, sa_column=enum_column(EnrollmentStatus)
    )
    next_step: int = 1  # 1-based; past the last step once finished
    next_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_message_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    end_reason: str | None = Field(default=None, max_length=32)
    converted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    converted_by_order: str | None = Field(default=None, max_length=64)
    # The order came within the attribution window after one of our messages.
    attributed: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
