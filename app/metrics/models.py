"""Rollups: additive figures per shop, shop-local day and slot (sums and counts only).

Each table's figure columns are named after the fields of its figures class, so one upsert
serves them all."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import Money, UTCDateTime, enum_column
from app.messaging.models import MarketingSend, MarketingUnsubscribe

# A flash sale sends one shop's orders to one day: spreading each day over a few rows (by order,
# customer or checkout) keeps concurrent workers from queueing on one row lock; queries sum them.
SLOTS = 8

ZERO = Decimal("0")


class SalesDay(SQLModel, table=True):
    __tablename__ = "sales_rollups"

    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", primary_key=True)
    day: date = Field(primary_key=True)
    slot: int = Field(primary_key=True)
    gross: Decimal = Field(default=ZERO, sa_type=Money)
    discounts: Decimal = Field(default=ZERO, sa_type=Money)
    returns: Decimal = Field(default=ZERO, sa_type=Money)
    orders: int = 0
    units: int = 0
    customer_sales: Decimal = Field(default=ZERO, sa_type=Money)
    customer_returns: Decimal = Field(default=ZERO, sa_type=Money)
    fulfilled: int = 0
    fulfillment_seconds: int = Field(default=0, sa_type=BigInteger)
    costed_sales: Decimal = Field(default=ZERO, sa_type=Money)
    cost: Decimal = Field(default=ZERO, sa_type=Money)


class CustomerDay(SQLModel, table=True):
    """Counted orders of known customers by day and the day of the customer's previous order."""

    __tablename__ = "customer_rollups"

    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", primary_key=True)
    day: date = Field(primary_key=True)
    previous: date = Field(primary_key=True)
    slot: int = Field(primary_key=True)
    orders: int = 0
    firsts: int = 0
    seconds: int = 0
    repeaters: int = 0


class CheckoutDay(SQLModel, table=True):
    __tablename__ = "checkout_rollups"

    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", primary_key=True)
    day: date = Field(primary_key=True)
    slot: int = Field(primary_key=True)
    started: int = 0
    completed: int = 0
    abandoned: int = 0
    recovered: int = 0
    recovered_sales: Decimal = Field(default=ZERO, sa_type=Money)


class CustomerDayTotals(SQLModel, table=True):
    """Counted orders of known customers by day (`customers.CustomerDayFigures`)."""

    __tablename__ = "customer_day_rollups"

    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", primary_key=True)
    day: date = Field(primary_key=True)
    slot: int = Field(primary_key=True)
    orders: int = 0
    firsts: int = 0
    repeaters: int = 0
    same_day: int = 0
    same_day_seconds: int = 0


class CustomerPreviousTotals(SQLModel, table=True):
    """Counted orders of known customers by their previous order's day, exact."""

    __tablename__ = "customer_previous_rollups"

    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", primary_key=True)
    previous: date = Field(primary_key=True)
    slot: int = Field(primary_key=True)
    orders: int = 0
    seconds: int = 0


class OutcomeKind(StrEnum):
    """What an initiative achieved, each counted once per shop and subject."""

    RECOVERED_CHECKOUT = "recovered_checkout"  # subject: the checkout's token
    RECOVERED_ORDER = "recovered_order"  # subject: the order (or "checkout:<token>"); its value
    REACTIVATION = "reactivation"  # subject: the reactivating order
    REDEMPTION = "redemption"  # subject: the discount code (upper case)


class InitiativeOutcome(SQLModel, table=True):
    """The initiatives' outcomes as metrics counted them: one row per shop, kind and subject,
    with the shop-local day and the value they were counted on. The rollup below is their sum
    (a rebuild recomputes it from these rows); the unique key makes recording one twice a
    no-op. No customer is named: the subjects are tokens, order ids and codes."""

    __tablename__ = "initiative_outcomes"
    __table_args__ = (UniqueConstraint("shop_id", "kind", "subject"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE")
    kind: OutcomeKind = Field(sa_column=enum_column(OutcomeKind, length=24))
    subject: str = Field(max_length=330)
    initiative_id: int  # named by id alone, like the send log (initiatives sit above metrics)
    day: date
    at: datetime = Field(sa_type=UTCDateTime)
    value: Decimal = Field(default=ZERO, sa_type=Money)  # recovered orders: gross − discounts


class OutcomeDay(SQLModel, table=True):
    """The initiatives' outcomes per shop-local day (`marketing.OutcomeFigures`)."""

    __tablename__ = "initiative_outcome_rollups"

    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", primary_key=True)
    day: date = Field(primary_key=True)
    slot: int = Field(primary_key=True)
    recovered_checkouts: int = 0
    recovered_revenue: Decimal = Field(default=ZERO, sa_type=Money)
    reactivated: int = 0
    redemptions: int = 0


# The metrics count the send log and the unsubscribed addresses by shop and moment directly
# (`marketing.message_counts`); these indexes serve those reads. They are declared here, beside
# their reader: messaging is infrastructure and knows nothing of metrics.
_sends = MarketingSend.__table__  # type: ignore[attr-defined]
_unsubscribes = MarketingUnsubscribe.__table__  # type: ignore[attr-defined]
Index("ix_marketing_sends_shop_id_sent_at", _sends.c.shop_id, _sends.c.sent_at)
Index("ix_marketing_sends_shop_id_opened_at", _sends.c.shop_id, _sends.c.opened_at)
Index("ix_marketing_sends_shop_id_clicked_at", _sends.c.shop_id, _sends.c.clicked_at)
Index(
    "ix_marketing_unsubscribes_shop_id_created_at",
    _unsubscribes.c.shop_id,
    _unsubscribes.c.created_at,
)


class SurveyScore(SQLModel, table=True):
    """What the survey metrics count of one survey response (`surveys`): its scores, its channel
    and the shop-local day of its first answer. Written with the response, in its transaction;
    a second answer updates the row. No customer is named, and no free text is held: a
    redaction of the customer leaves these rows, so the aggregates keep their scores."""

    __tablename__ = "survey_scores"
    __table_args__ = (
        UniqueConstraint("shop_id", "response_id"),
        Index("ix_survey_scores_shop_id_day", "shop_id", "day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE")
    response_id: int  # named by id alone, like the send log (initiatives sit above metrics)
    initiative_id: int
    channel: str = Field(max_length=8)  # "email" or "widget"
    nps: int | None = None
    ces: int | None = None
    day: date
    at: datetime = Field(sa_type=UTCDateTime)
