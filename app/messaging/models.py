"""The marketing send log and the unsubscribed addresses. Neither holds an address: only its
per-shop digest (`app.messaging.addresses`). An initiative is named by its id alone: messaging
is infrastructure and knows no feature's tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, enum_column, utcnow


class SendStatus(StrEnum):
    SENDING = "sending"  # claimed: handed to SMTP, or about to be (never sent a second time)
    SENT = "sent"  # the SMTP server accepted it
    SKIPPED = "skipped"  # not sent, for `reason`, and never will be
    DEFERRED = "deferred"  # not yet: quiet hours until `deferred_until`
    FAILED = "failed"  # the SMTP server refused it or could not be reached (may be retried)


class SkipReason(StrEnum):
    CONSENT = "consent"
    UNSUBSCRIBED = "unsubscribed"
    CAP = "cap"
    ALREADY_BOUGHT = "already_bought"
    QUIET_HOURS = "quiet_hours"
    NO_RECOVERY_LINK = "no_recovery_link"
    NO_ADDRESS = "no_address"
    SMTP_ERROR = "smtp_error"
    NOT_PREPARED = "not_prepared"  # the e-mail could not be written (e.g. no discount code)


class MarketingSend(SQLModel, table=True):
    """One marketing message of one initiative to one subject at one step: sent, skipped (and
    why) or deferred. The unique key is the idempotency key: a retried job finds its row."""

    __tablename__ = "marketing_sends"
    __table_args__ = (
        UniqueConstraint("shop_id", "initiative_id", "subject", "step"),
        # The shared frequency cap: what an address was sent lately.
        Index("ix_marketing_sends_shop_id_address_digest", "shop_id", "address_digest", "sent_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE")
    initiative_id: int
    subject: str = Field(max_length=330)  # what the message is about: "checkout:<token>"
    step: int
    address_digest: str | None = Field(default=None, max_length=64)
    status: SendStatus = Field(sa_column=enum_column(SendStatus))
    reason: str | None = Field(default=None, max_length=32)  # a SkipReason
    deferred_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0  # hand-overs to the SMTP server
    error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # When it was handed to SMTP (claimed); what the cap counts.
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The reader's first open (the e-mail's pixel was loaded) and first click (one of its
    # signed links was followed): `app.messaging.tracking`. Later ones change nothing.
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    clicked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MarketingUnsubscribe(SQLModel, table=True):
    """An address that asked for no more of a shop's marketing (by its per-shop digest)."""

    __tablename__ = "marketing_unsubscribes"
    __table_args__ = (UniqueConstraint("shop_id", "address_digest"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE")
    address_digest: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
