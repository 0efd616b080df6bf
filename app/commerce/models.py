"""The mirror's tables. Each row belongs to one shop; platform ids are kept as text."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import Money, UTCDateTime, utcnow
from app.integrations.events import OrderState
from app.shops.models import enum_column

ZERO = Decimal("0")


class Customer(SQLModel, table=True):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("shop_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE")
    key: str = Field(max_length=330)  # "id:<platform id>" or "email:<lower-case email>"
    platform_id: str | None = Field(default=None, max_length=64)
    email: str | None = Field(default=None, max_length=320)
    first_name: str | None = Field(default=None, max_length=255)
    last_name: str | None = Field(default=None, max_length=255)
    accepts_marketing: bool = False
    # Facts from the customer's counted orders, kept current by the mirror.
    first_order_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_order_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    orders_count: int = 0
    total_spent: Decimal = Field(default=ZERO, sa_type=Money)
    platform_updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Order(SQLModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("shop_id", "platform_id"),
        Index("ix_orders_shop_id_customer_key", "shop_id", "customer_key"),
        Index("ix_orders_shop_id_checkout_token", "shop_id", "checkout_token"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE")
    platform_id: str = Field(max_length=64)
    name: str = Field(max_length=64)
    placed_at: datetime = Field(sa_type=UTCDateTime)
    platform_updated_at: datetime = Field(sa_type=UTCDateTime)
    state: OrderState = Field(sa_column=enum_column(OrderState))
    test: bool = False
    status: str = Field(default="", max_length=32)
    currency: str = Field(max_length=3)
    gross: Decimal = Field(sa_type=Money)
    discounts: Decimal = Field(sa_type=Money)
    shipping: Decimal = Field(sa_type=Money)
    tax: Decimal = Field(sa_type=Money)
    total: Decimal = Field(sa_type=Money)
    current_total: Decimal = Field(sa_type=Money)
    # Kept so that a replaced state can be taken back from the rollups exactly.
    units: int = 0  # Σ line quantities
    costed_sales: Decimal = Field(default=ZERO, sa_type=Money)  # lines with a known unit cost
    cost: Decimal = Field(default=ZERO, sa_type=Money)
    customer_key: str | None = Field(default=None, max_length=330)
    email: str | None = Field(default=None, max_length=320)
    checkout_token: str | None = Field(default=None, max_length=255)
    source: str | None = Field(default=None, max_length=64)
    landing_site: str | None = Field(default=None, max_length=2048)
    referrer: str | None = Field(default=None, max_length=2048)
    discount_codes: str = Field(default="", max_length=1024)  # comma-separated
    fulfilled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OrderLineRow(SQLModel, table=True):
    __tablename__ = "order_lines"

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE")
    order_id: int = Field(foreign_key="orders.id", ondelete="CASCADE", index=True)
    platform_id: str = Field(max_length=64)
    product_id: str | None = Field(default=None, max_length=64)
    variant_id: str | None = Field(default=None, max_length=64)
    quantity: int
    unit_price: Decimal = Field(sa_type=Money)
    discount: Decimal = Field(sa_type=Money)
    unit_cost: Decimal | None = Field(default=None, sa_type=Money)


class RefundRow(SQLModel, table=True):
    __tablename__ = "refunds"
    __table_args__ = (
        UniqueConstraint("shop_id", "platform_id"),
        Index("ix_refunds_shop_id_order_platform_id", "shop_id", "order_platform_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE")
    platform_id: str = Field(max_length=64)
    order_platform_id: str = Field(max_length=64)
    refunded_at: datetime = Field(sa_type=UTCDateTime)  # its own date, not the order's
    amount: Decimal = Field(sa_type=Money)


class Checkout(SQLModel, table=True):
    __tablename__ = "checkouts"
    __table_args__ = (
        UniqueConstraint("shop_id", "token"),
        # The abandonment sweep: open checkouts by last update.
        Index(
            "ix_checkouts_open", "shop_id", "completed_at", "abandoned_at", "platform_updated_at"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE")
    token: str = Field(max_length=255)
    started_at: datetime = Field(sa_type=UTCDateTime)
    platform_updated_at: datetime = Field(sa_type=UTCDateTime)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=64)
    customer_key: str | None = Field(default=None, max_length=330)
    contact_given_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    total: Decimal = Field(default=ZERO, sa_type=Money)
    recovery_url: str | None = Field(default=None, max_length=2048)
    # What a recovery e-mail shows: the cart's lines ({"title", "quantity", "unit_price"}, the
    # price as a decimal string in the shop's currency; and "product_id", "variant_id",
    # "image_url" when the platform names them: what rebuilds the cart on a WooCommerce store),
    # the shopper's first name, and the checkout's own marketing box (None: not said).
    lines: list[dict[str, Any]] | None = Field(default=None, sa_type=JSON)
    first_name: str | None = Field(default=None, max_length=255)
    accepts_marketing: bool | None = None
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_by_order: str | None = Field(default=None, max_length=64)
    order_value: Decimal | None = Field(default=None, sa_type=Money)  # its gross − discounts
    abandoned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    recovered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Known only from an order placed with its token (started and completed as the order was
    # placed): the store has not reported the checkout itself, and its report, whenever it
    # comes, takes this row's place (`commerce.checkouts`).
    from_order: bool = False


class SyncKind(StrEnum):
    RECONCILE = "reconcile"  # hourly: what changed lately, in case a webhook was lost
    BACKFILL = "backfill"  # history, at install or by hand


class SyncStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class StoreSync(SQLModel, table=True):
    """One pass over the store's API, with its progress (shown on the operations page)."""

    __tablename__ = "store_syncs"

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", index=True)
    kind: SyncKind = Field(sa_column=enum_column(SyncKind))
    status: SyncStatus = Field(default=SyncStatus.RUNNING, sa_column=enum_column(SyncStatus))
    since: datetime = Field(sa_type=UTCDateTime)
    # Where the pass is: the resource being read and the next page's cursor (a pass runs in
    # short chunks and resumes here, after a chunk ends or a worker dies).
    resource: str = Field(default="", max_length=32)
    cursor: str | None = Field(default=None, sa_type=Text)
    records: int = 0
    error: str | None = Field(default=None, max_length=2000)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
