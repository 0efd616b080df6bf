"""Survey tables. Every row belongs to one shop.

An invitation is one e-mail of one survey to one customer about one order; it has the columns
of the other initiatives' enrollments (status, next step, when it is due), so the shared step
machinery (`app.initiatives.steps`) sweeps, locks and ends it. A response is one order's
answers to one survey, whichever way they came (the e-mail's links and hosted page, or the
storefront widget): a second answer updates it, never adds one. What the metrics count of a
response (its scores, its day) is written beside it in metrics' own table
(`app.metrics.surveys`), which names no customer: a redaction takes the customer link and the
free text from the response and leaves the scores counted."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, enum_column, utcnow
from app.initiatives.models import EnrollmentStatus


class Channel(StrEnum):
    EMAIL = "email"  # a score link of the e-mail, then the hosted page
    WIDGET = "widget"  # the storefront widget on the thank-you page


class SurveyInvitation(SQLModel, table=True):
    __tablename__ = "survey_invitations"
    __table_args__ = (
        UniqueConstraint("initiative_id", "order_platform_id"),
        Index("ix_survey_invitations_status_next_due_at", "status", "next_due_at"),
        Index("ix_survey_invitations_shop_id_customer_key", "shop_id", "customer_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE")
    initiative_id: int = Field(foreign_key="initiatives.id", ondelete="CASCADE")
    customer_key: str = Field(max_length=330)
    order_platform_id: str = Field(max_length=64)  # the order it asks about
    ordered_at: datetime = Field(sa_type=UTCDateTime)
    status: EnrollmentStatus = Field(
        default=EnrollmentStatus.ACTIVE, sa_column=enum_column(EnrollmentStatus)
    )
    next_step: int = 1  # one e-mail: 2 once it went out
    next_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_message_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    end_reason: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SurveyResponse(SQLModel, table=True):
    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("initiative_id", "order_platform_id"),
        Index("ix_survey_responses_shop_id_answered_at", "shop_id", "answered_at"),
        Index("ix_survey_responses_shop_id_customer_key", "shop_id", "customer_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE")
    initiative_id: int = Field(foreign_key="initiatives.id", ondelete="CASCADE")
    invitation_id: int | None = Field(
        default=None, foreign_key="survey_invitations.id", ondelete="SET NULL"
    )
    order_platform_id: str = Field(max_length=64)
    customer_key: str | None = Field(default=None, max_length=330)  # None once redacted
    channel: Channel = Field(sa_column=enum_column(Channel, length=8))  # the first answer's
    language: str = Field(max_length=2)
    nps: int | None = None  # 0–10
    ces: int | None = None  # 1–7
    choices: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)  # question id → choice id
    comments: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)  # question id → text
    answered_at: datetime = Field(sa_type=UTCDateTime)  # the first answer: the metrics' moment
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
