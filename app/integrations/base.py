"""What the rest of StoreOKR knows about a store: a protocol and neutral dataclasses."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from app.errors import AppError
from app.integrations.events import Refund


class StoreUnauthorized(AppError):
    """The store refused our credentials (401/403): the app was uninstalled or keys revoked."""

    status_code = 502
    code = "store_unauthorized"


class StoreUnavailable(AppError):
    """The store did not answer usefully after retries (timeouts, 5xx, throttling)."""

    status_code = 502
    code = "store_unavailable"


class StoreRejected(AppError):
    """The store answered our request with an error that retrying will not fix."""

    status_code = 502
    code = "store_rejected"


class DiscountCodeTaken(StoreRejected):
    """The store already holds a discount code with this code string (codes are unique per
    store): a caller whose codes are its own and deterministic may take it as already made."""

    code = "discount_code_taken"


@dataclass(frozen=True)
class ShopInfo:
    name: str
    currency: str  # ISO 4217, the shop's own currency
    timezone: str  # IANA name
    email: str | None = None


@dataclass(frozen=True)
class WebhookSubscription:
    topic: str  # the platform's topic name, e.g. "orders/create" or "order.created"
    address: str
    put_back: bool = False  # it had to be created, re-activated or de-duplicated just now


@dataclass(frozen=True)
class WebhookOrigin:
    """Who a webhook's headers say sent it, and its signature: not yet verified."""

    shop: str | None  # the shop's domain as stored; None: not one of the platform's shops
    signature: str | None


@dataclass(frozen=True)
class WebhookDelivery:
    """What a verified webhook's headers say about it."""

    delivery_id: str  # the platform's id of this delivery: the inbox stores each once
    topic: str
    triggered_at: datetime | None  # when the platform says it happened; None: not dated


@dataclass(frozen=True)
class Page:
    """A page of raw platform records (normalised later by the platform's normaliser)."""

    items: list[dict[str, Any]]
    next_cursor: str | None


class DiscountKind(StrEnum):
    PERCENTAGE = "percentage"
    FIXED_AMOUNT = "fixed_amount"


@dataclass(frozen=True)
class DiscountCodeRequest:
    """A single-use code restricted to one customer, expiring soon (win-back offers)."""

    code: str
    kind: DiscountKind
    value: Decimal  # percent (e.g. 10) or an amount in the shop's currency
    customer_email: str
    customer_id: str | None
    expires_at: datetime
    title: str = "StoreOKR offer"


@dataclass(frozen=True)
class DiscountCode:
    code: str
    platform_id: str


@dataclass(frozen=True)
class CartItem:
    """One line of a cart to be filled again on the store: its product, its variant (None for a
    product without variants) and how many."""

    product_id: str
    variant_id: str | None
    quantity: int


Refresher = Callable[[str], Awaitable[str | None]]


@dataclass(frozen=True)
class StoreConnection:
    """Everything needed to talk to one installed store (decrypted, never persisted as is)."""

    shop_id: int
    platform: str
    domain: str
    credentials: str = field(repr=False)  # the integration's own JSON
    webhook_secret: str | None = field(repr=False)  # WooCommerce: the secret we generated
    # Runs `refresher(stored_json)` under the shop's lock (in-process and across processes) on
    # the freshest stored credentials; a JSON it returns is stored. Returns what is stored.
    refresh_credentials: Callable[[Refresher], Awaitable[str]] = field(repr=False)


# What a `StoreClient` lists (`list_<resource>`) for reconciliation and backfill, in the order
# they are read: customers first, since orders refer to them.
RESOURCES = ("customers", "orders", "checkouts")


@runtime_checkable
class HistoryExport(Protocol):
    """A store that can hand over a long order history faster than page by page (Shopify's
    bulk export; WooCommerce's pages read several at a time)."""

    async def count_orders(self, updated_since: datetime) -> int:
        """How many orders were updated since then."""
        ...

    def export_orders(self, updated_since: datetime) -> AsyncIterator[dict[str, Any]]:
        """Every order updated since then, as raw platform records (normalised later), in any
        order."""
        ...


class StoreClient(Protocol):
    async def shop_info(self) -> ShopInfo: ...

    async def register_webhooks(self, address: str) -> list[WebhookSubscription]:
        """Subscribe every topic StoreOKR uses, delivering to `address`; idempotent."""
        ...

    async def list_orders(self, updated_since: datetime, cursor: str | None = None) -> Page: ...

    async def list_checkouts(self, updated_since: datetime, cursor: str | None = None) -> Page: ...

    async def list_customers(self, updated_since: datetime, cursor: str | None = None) -> Page: ...

    async def fetch_refunds(self, order_platform_id: str) -> list[Refund]:
        """Every refund of one order, each with its own date."""
        ...

    async def create_discount_code(self, request: DiscountCodeRequest) -> DiscountCode: ...
