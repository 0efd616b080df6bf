"""Platform-neutral commerce events: what each platform's normaliser turns a payload into.

Amounts are Decimals in the shop's currency; times are aware datetimes. Snapshots describe the
resource's whole state at `updated_at`; applying an older snapshot than the one held is a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal("0")


@dataclass(frozen=True)
class CustomerSnapshot:
    platform_id: str | None  # None: a guest, known by email only
    email: str | None
    first_name: str | None = None
    last_name: str | None = None
    accepts_marketing: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def key(self) -> str | None:
        """The customer's identity (METRICS.md): platform id, else the trimmed lower-case email."""
        if self.platform_id:
            return f"id:{self.platform_id}"
        if self.email and self.email.strip():
            return f"email:{self.email.strip().lower()}"
        return None


@dataclass(frozen=True)
class OrderLine:
    platform_id: str
    product_id: str | None
    variant_id: str | None
    quantity: int
    unit_price: Decimal  # before discounts
    discount: Decimal = ZERO  # line-level discount allocated to this line
    unit_cost: Decimal | None = None


@dataclass(frozen=True)
class RefundLine:
    line_platform_id: str | None
    quantity: int
    amount: Decimal  # refunded merchandise, before tax (positive)


@dataclass(frozen=True)
class Refund:
    platform_id: str
    order_platform_id: str
    created_at: datetime
    amount: Decimal  # returns: refunded merchandise before tax and shipping (positive)
    lines: tuple[RefundLine, ...] = ()


class OrderState(StrEnum):
    OPEN = "open"  # placed and counted
    CANCELLED = "cancelled"
    PENDING = "pending"  # WooCommerce pending/failed/draft: not (yet) an order that counts


@dataclass(frozen=True)
class OrderSnapshot:
    platform_id: str
    name: str
    created_at: datetime
    updated_at: datetime
    state: OrderState
    test: bool
    currency: str  # the shop's currency: every amount below is in it
    gross: Decimal  # Σ unit price × quantity, before discounts (no shipping, no tax)
    discounts: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    current_total: Decimal  # after edits and refunds
    status: str  # the platform's own word (financial status / order status)
    customer: CustomerSnapshot | None
    checkout_token: str | None = None
    source: str | None = None
    landing_site: str | None = None
    referrer: str | None = None
    discount_codes: tuple[str, ...] = ()
    lines: tuple[OrderLine, ...] = ()
    refunds: tuple[Refund, ...] = ()
    # WooCommerce lists refunds as ids only: their dates must be fetched from the store.
    refund_ids_to_fetch: tuple[str, ...] = ()
    fulfilled_at: datetime | None = None
    cancelled_at: datetime | None = None

    @property
    def counted(self) -> bool:
        """Counted in sales figures (METRICS.md): not a test, not cancelled, really placed."""
        return not self.test and self.state is OrderState.OPEN

    @property
    def costed_sales(self) -> Decimal:
        """Sales of the lines whose unit cost is known: what a gross margin can be taken of."""
        return sum(
            (
                line.unit_price * line.quantity - line.discount
                for line in self.lines
                if line.unit_cost is not None
            ),
            ZERO,
        )

    @property
    def cost(self) -> Decimal:
        """What the lines whose unit cost is known cost."""
        return sum(
            (line.unit_cost * line.quantity for line in self.lines if line.unit_cost is not None),
            ZERO,
        )


@dataclass(frozen=True)
class CheckoutLine:
    """A line of a cart as the shopper sees it (what a recovery e-mail lists)."""

    title: str
    quantity: int
    unit_price: Decimal  # in the shop's currency, before discounts
    # What rebuilds the line in a new cart (a WooCommerce recovery link) and shows it: the
    # product, its variant (None for a product without variants) and its picture, when the
    # platform names them.
    product_id: str | None = None
    variant_id: str | None = None
    image_url: str | None = None


@dataclass(frozen=True)
class CheckoutSnapshot:
    token: str
    created_at: datetime
    updated_at: datetime
    email: str | None
    phone: str | None
    completed_at: datetime | None
    recovery_url: str | None
    total: Decimal
    customer: CustomerSnapshot | None = None
    lines: tuple[CheckoutLine, ...] = ()
    first_name: str | None = None
    # The checkout's own marketing box (Shopify `buyer_accepts_marketing`); None: not said.
    accepts_marketing: bool | None = None
    # Read from the store's list of abandoned checkouts (Shopify's `abandonedCheckouts`, which
    # holds the abandoned ones and those recovered after: one with `completed_at` was recovered).
    listed_abandoned: bool = False

    @property
    def has_contact(self) -> bool:
        return bool((self.email or "").strip() or (self.phone or "").strip())


@dataclass(frozen=True)
class OrderChanged:
    order: OrderSnapshot


@dataclass(frozen=True)
class RefundCreated:
    refund: Refund


@dataclass(frozen=True)
class CheckoutChanged:
    checkout: CheckoutSnapshot


@dataclass(frozen=True)
class CustomerUpserted:
    customer: CustomerSnapshot


@dataclass(frozen=True)
class CartAbandoned:
    """An abandoned-cart plugin says so (WooCommerce `wcap_cart.cutoff`)."""

    token: str
    at: datetime
    email: str | None = None


@dataclass(frozen=True)
class CartRecovered:
    token: str
    order_platform_id: str | None
    at: datetime


CommerceEvent = (
    OrderChanged
    | RefundCreated
    | CheckoutChanged
    | CustomerUpserted
    | CartAbandoned
    | CartRecovered
)


class NormalisationError(ValueError):
    """A payload that cannot be read as the platform documents it."""
