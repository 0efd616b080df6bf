"""The shop record. Store connections (credentials, scopes, webhook secrets) extend it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Enum, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow


class Platform(StrEnum):
    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"


class ShopStatus(StrEnum):
    ACTIVE = "active"
    UNINSTALLED = "uninstalled"


def _enum_column(enum: type[StrEnum]) -> Column[str]:
    # Stored as plain strings with a CHECK constraint: no native PostgreSQL enum type to
    # migrate when a value is added, and the same on SQLite.
    return Column(
        Enum(
            enum,
            native_enum=False,
            length=16,
            create_constraint=True,
            values_callable=lambda members: [m.value for m in members],
            name=enum.__name__.lower(),
        ),
        nullable=False,
    )


class Shop(SQLModel, table=True):
    __tablename__ = "shops"
    __table_args__ = (UniqueConstraint("platform", "domain"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: Platform = Field(sa_column=_enum_column(Platform))
    # Shopify: the permanent `*.myshopify.com` domain; WooCommerce: the store's base URL.
    domain: str = Field(max_length=255)
    name: str = Field(default="", max_length=255)
    currency: str = Field(default="USD", min_length=3, max_length=3)
    timezone: str = Field(default="UTC", max_length=64)  # IANA name; days are shop-local
    status: ShopStatus = Field(default=ShopStatus.ACTIVE, sa_column=_enum_column(ShopStatus))
    installed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    uninstalled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, sa_column_kwargs={"onupdate": utcnow}
    )
