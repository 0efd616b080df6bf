"""The marketing send log, the unsubscribed addresses (per mailing list) and each shop's
messaging settings. Neither the log nor the list holds an address: only its per-shop digest
(`app.messaging.addresses`). An initiative is named by its id alone: messaging is
infrastructure and knows no feature's tables."""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, enum_column, utcnow
from app.messaging.rules import QUIET_END, QUIET_START


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


class MailingList(StrEnum):
    """What an unsubscribe stops: the shop's marketing to its customers, or its weekly digest to
    a stakeholder. One does not stop the other."""

    MARKETING = "marketing"
    DIGEST = "digest"


class MarketingUnsubscribe(SQLModel, table=True):
    """An address that asked for no more of one of a shop's mailing lists (by its per-shop
    digest). Rows from before the lists were told apart are the marketing list's."""

    __tablename__ = "marketing_unsubscribes"
    __table_args__ = (UniqueConstraint("shop_id", "mailing_list", "address_digest"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE")
    mailing_list: MailingList = Field(
        default=MailingList.MARKETING,
        sa_column=enum_column(MailingList, server_default=MailingList.MARKETING),
    )
    address_digest: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MessagingSettings(SQLModel, table=True):
    """A shop's choices for its marketing e-mails (`app.messaging.shop_settings`); a shop without
    a row has the defaults. A sender name or reply-to left empty follows the shop's own name and
    e-mail address, also when those change."""

    __tablename__ = "messaging_settings"

    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", primary_key=True)
    sender_name: str | None = Field(default=None, max_length=100)
    reply_to: str | None = Field(default=None, max_length=320)
    # At most one marketing e-mail per address per this many hours, across every initiative.
    frequency_cap_hours: int = 24
    # No marketing e-mail between these shop-local times (the window may span midnight).
    quiet_hours: bool = True
    quiet_start: time = QUIET_START
    quiet_end: time = QUIET_END
    # Whether the shop's owner is e-mailed when a key result's status drops (`app.digest.alerts`).
    owner_alerts: bool = True
    updated_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, sa_column_kwargs={"onupdate": utcnow}
    )
