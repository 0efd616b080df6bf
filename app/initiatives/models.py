"""Initiative tables. Every row belongs to one shop."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import Money, UTCDateTime, utcnow
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
    # The initiative was paused or ended, the shop uninstalled, or the customer redacted.
    CANCELLED = "cancelled"


class Attribution(StrEnum):
    LINK = "link"  # the order came through our recovery link (its marker, or a click before it)
    WINDOW = "window"  # within the attribution window after one of our messages


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
    # The recovery counts for the initiative: the order came through our link, or within the
    # attribution window after one of our messages; `attributed_by` says which
    # (`Attribution`), None when it does not count.
    attributed: bool = False
    attributed_by: str | None = Field(default=None, max_length=8)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WinBackEnrollment(SQLModel, table=True):
    """One lapsed customer in one win-back initiative, for one lapse: `lapsed_since` is their
    last counted order when enrolled, so a customer who comes back and lapses again is a new
    enrollment. For a win-back, `converted` means reactivated: the customer's next counted
    order after our first e-mail."""

    __tablename__ = "win_back_enrollments"
    __table_args__ = (
        UniqueConstraint("initiative_id", "customer_key", "lapsed_since"),
        Index("ix_win_back_enrollments_status_next_due_at", "status", "next_due_at"),
        Index("ix_win_back_enrollments_shop_id_customer_key", "shop_id", "customer_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE")
    initiative_id: int = Field(foreign_key="initiatives.id", ondelete="CASCADE")
    customer_key: str = Field(max_length=330)
    lapsed_since: datetime = Field(sa_type=UTCDateTime)
    threshold_days: int  # the lapse threshold it was found with
    status: EnrollmentStatus = Field(
        default=EnrollmentStatus.ACTIVE, sa_column=enum_column(EnrollmentStatus)
    )
    next_step: int = 1
    next_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_message_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_message_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    end_reason: str | None = Field(default=None, max_length=32)
    reactivated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reactivated_by_order: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WinBackCode(SQLModel, table=True):
    """The single-use discount code of one enrollment. Written (and committed) before the
    store is asked to create it, and confirmed after: `app.initiatives.offers`."""

    __tablename__ = "win_back_codes"
    __table_args__ = (UniqueConstraint("shop_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE")
    enrollment_id: int = Field(
        foreign_key="win_back_enrollments.id", ondelete="CASCADE", unique=True
    )
    code: str = Field(max_length=32)  # upper case; WooCommerce keeps it in lower case
    kind: str = Field(max_length=16)  # a DiscountKind
    value: Decimal = Field(sa_type=Money)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The store holds it (it said so, or refused it as a code it already holds).
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    platform_id: str | None = Field(default=None, max_length=128)  # unknown when recognised
    redeemed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    redeemed_by_order: str | None = Field(default=None, max_length=64)


class WinBackRun(SQLModel, table=True):
    """One daily run of one win-back initiative: claimed once per shop-local day, with the
    lapse threshold it used and how it was found."""

    __tablename__ = "win_back_runs"
    __table_args__ = (UniqueConstraint("initiative_id", "local_day"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", index=True)
    initiative_id: int = Field(foreign_key="initiatives.id", ondelete="CASCADE")
    local_day: date
    threshold_days: int
    threshold_derived: bool  # from the shop's history, not the fallback or a fixed setting
    history_gaps: int  # times between consecutive orders it was derived from
    enrolled: int = 0
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
