"""The shop record. Store connections (credentials, scopes, webhook secrets) extend it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow
from app.db import enum_column as enum_column  # at home in app.db; the features import it here
from app.integrations.platforms import Platform


class ShopStatus(StrEnum):
    ACTIVE = "active"
    UNINSTALLED = "uninstalled"


class NoncePurpose(StrEnum):
    SHOPIFY_OAUTH = "shopify_oauth"
    WOOCOMMERCE_CONNECT = "woo_connect"
    LOGIN_LINK = "login_link"


class Shop(SQLModel, table=True):
    __tablename__ = "shops"
    __table_args__ = (UniqueConstraint("platform", "domain"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: Platform = Field(sa_column=enum_column(Platform))
    # Shopify: the permanent `*.myshopify.com` domain; WooCommerce: the store's base URL.
    domain: str = Field(max_length=255)
    name: str = Field(default="", max_length=255)
    currency: str = Field(default="USD", min_length=3, max_length=3)
    timezone: str = Field(default="UTC", max_length=64)  # IANA name; days are shop-local
    status: ShopStatus = Field(default=ShopStatus.ACTIVE, sa_column=enum_column(ShopStatus))
    email: str | None = Field(default=None, max_length=320)  # the store's admin address
    # How long a checkout with contact details may sit untouched before it counts as abandoned.
    abandonment_delay_minutes: int = Field(default=60, ge=1)
    scopes: str = Field(default="", max_length=1024)  # granted scopes, comma-separated
    # Encrypted (app.crypto.Vault); the integration that made them is the only reader.
    credentials_ciphertext: str | None = Field(default=None, sa_type=Text)
    # Signs this shop's webhooks when it is not the app's secret: WooCommerce's per-shop secret
    # we generate, or a Shopify custom app's API secret. Encrypted.
    webhook_secret_ciphertext: str | None = Field(default=None, sa_type=Text)
    installed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    uninstalled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The hourly check of our webhooks on the store (WooCommerce): when it last looked, and how
    # many of ours it had to put back then (None: never checked).
    webhooks_checked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    webhooks_put_back: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, sa_column_kwargs={"onupdate": utcnow}
    )


@dataclass(frozen=True)
class SignedInShop:
    """The shop a signed-in request acts for (`app.auth.dependencies.ShopDep`): read from the
    database, so its id is an `int`, never the None of a row not yet flushed. A snapshot of
    what pages and the API show, without credentials or secrets; a change to the shop goes
    through `app.shops.service` with the row."""

    id: int
    platform: Platform
    domain: str
    name: str
    currency: str
    timezone: str
    status: ShopStatus
    scopes: str  # comma-separated, as stored
    installed_at: datetime

    @classmethod
    def of(cls, shop: Shop) -> SignedInShop:
        if shop.id is None:
            raise ValueError("a shop is signed in to once it is stored (flush it first)")
        return cls(
            id=shop.id,
            platform=shop.platform,
            domain=shop.domain,
            name=shop.name,
            currency=shop.currency,
            timezone=shop.timezone,
            status=shop.status,
            scopes=shop.scopes,
            installed_at=shop.installed_at,
        )


class AuthNonce(SQLModel, table=True):
    """A one-time value we issued (OAuth state, WooCommerce `user_id`, login link). Only its
    SHA-256 is stored: a copy of the table grants nothing."""

    __tablename__ = "auth_nonces"

    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(max_length=64, unique=True)
    purpose: NoncePurpose = Field(sa_column=enum_column(NoncePurpose))
    # The shop it is for: a Shopify domain or WooCommerce URL before install, the id after.
    domain: str = Field(default="", max_length=255)
    shop_id: int | None = Field(
        default=None, foreign_key="shops.id", ondelete="CASCADE", index=True
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Indexed for the job that prunes nonces some time after they expire.
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A WooCommerce connection's return leg: the SHA-256 of a second random value, kept in a
    # cookie of the browser that started it (the nonce itself travels in URLs), and when that
    # browser came back (once only).
    browser_digest: str | None = Field(default=None, max_length=64)
    returned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
