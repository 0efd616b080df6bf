"""WooCommerce webhook payloads → platform-neutral commerce events (pure functions).

WooCommerce builds a payload when it delivers it, so it shows the resource's current state;
`date_modified_gmt` orders those states. Times ending in `_gmt` are UTC without an offset."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.integrations.checking import checked, reading
from app.integrations.events import (
    ZERO,
    CartAbandoned,
    CartRecovered,
    CheckoutChanged,
    CheckoutLine,
    CheckoutSnapshot,
    CommerceEvent,
    CustomerSnapshot,
    CustomerUpserted,
    NormalisationError,
    OrderChanged,
    OrderLine,
    OrderSnapshot,
    OrderState,
    Refund,
    RefundLine,
)
from app.integrations.parsing import decimal_of, id_of, optional_time, time_of

ORDER_TOPICS = frozenset({"order.created", "order.updated", "order.restored"})
CUSTOMER_TOPICS = frozenset({"customer.created", "customer.updated"})
# Tyche's "Abandoned Cart Lite" plugin, when the store runs it.
CART_TOPICS = frozenset({"wcap_cart.cutoff", "wcap_cart.recovered"})
TOPICS = ORDER_TOPICS | CUSTOMER_TOPICS | CART_TOPICS | {"order.deleted"}

_CANCELLED = frozenset({"cancelled", "trash"})
_NOT_PLACED = frozenset({"pending", "failed", "checkout-draft"})
DRAFT = "checkout-draft"
# `created_via` of orders placed by shoppers: classic checkout and the block checkout's Store API.
CHECKOUT_SOURCES = frozenset({"checkout", "store-api"})
ATTRIBUTION = "_wc_order_attribution_"


def normalise(topic: str, payload: dict[str, Any], shop_currency: str) -> list[CommerceEvent]:
    """The payload's events, or a NormalisationError that says what is wrong with it."""
    with reading("WooCommerce", topic):
        return checked(_events(topic, payload, shop_currency))


def _events(topic: str, payload: dict[str, Any], shop_currency: str) -> list[CommerceEvent]:
    if topic in ORDER_TOPICS:
        return order_events(payload, shop_currency)
    if topic == "order.deleted":
        return []  # the body is just {"id": …}; reconciliation settles what remains
    if topic in CUSTOMER_TOPICS:
        return [CustomerUpserted(customer(payload))]
    if topic == "wcap_cart.cutoff":
        return [CartAbandoned(_cart_token(payload), _cart_time(payload), payload.get("email"))]
    if topic == "wcap_cart.recovered":
        recovered_by = id_of(payload.get("order_id"))
        return [CartRecovered(_cart_token(payload), recovered_by, _cart_time(payload))]
    raise NormalisationError(f"WooCommerce topic {topic!r} is not one StoreOKR reads")


def order_events(payload: dict[str, Any], shop_currency: str) -> list[CommerceEvent]:
    """An order, and the checkout it is (a block-checkout draft) or completes."""
    snapshot = order(payload, shop_currency)
    events: list[CommerceEvent] = []
    checkout = checkout_of(payload, snapshot)
    if checkout is not None:
        events.append(CheckoutChanged(checkout))
    if payload.get("status") != DRAFT:
        events.append(OrderChanged(snapshot))
    return events


def order(payload: dict[str, Any], shop_currency: str) -> OrderSnapshot:
    currency = payload.get("currency") or shop_currency
    if currency != shop_currency:
        raise NormalisationError(f"order in {currency}, the store's currency is {shop_currency}")
    status = str(payload.get("status") or "")
    lines = tuple(_line(item) for item in payload.get("line_items") or [])
    created = time_of(payload.get("date_created_gmt"), "date_created_gmt", naive_is_utc=True)
    refunded = sum(
        (abs(decimal_of(r.get("total"), "refunds.total")) for r in payload.get("refunds") or []),
        ZERO,
    )
    total = decimal_of(payload.get("total"), "total")
    visit = attribution(payload)
    return OrderSnapshot(
        platform_id=_required_id(payload),
        name=str(payload.get("number") or payload["id"]),
        created_at=created,
        updated_at=optional_time(
            payload.get("date_modified_gmt"), "date_modified_gmt", naive_is_utc=True
        )
        or created,
        state=_state(status),
        test=False,  # WooCommerce has no test orders
        currency=shop_currency,
        gross=sum(
            (
                decimal_of(item.get("subtotal"), "line_items.subtotal")
                for item in payload.get("line_items") or []
            ),
            ZERO,
        ),
        discounts=decimal_of(payload.get("discount_total"), "discount_total"),
        shipping=decimal_of(payload.get("shipping_total"), "shipping_total"),
        tax=decimal_of(payload.get("total_tax"), "total_tax"),
        total=total,
        current_total=total - refunded,
        status=status,
        customer=_order_customer(payload),
        checkout_token=draft_token(payload) if _had_checkout(payload) else None,
        source=payload.get("created_via"),
        landing_site=visit.get("session_entry") or None,
        referrer=visit.get("referrer") or None,
        discount_codes=tuple(
            str(c.get("code")) for c in payload.get("coupon_lines") or [] if c.get("code")
        ),
        lines=lines,
        refund_ids_to_fetch=tuple(
            str(r["id"]) for r in payload.get("refunds") or [] if r.get("id")
        ),
        fulfilled_at=optional_time(
            payload.get("date_completed_gmt"), "date_completed_gmt", naive_is_utc=True
        ),
        cancelled_at=(
            optional_time(payload.get("date_modified_gmt"), "date_modified_gmt", naive_is_utc=True)
            if status in _CANCELLED
            else None
        ),
    )


def _state(status: str) -> OrderState:
    if status in _CANCELLED:
        return OrderState.CANCELLED
    if status in _NOT_PLACED:
        return OrderState.PENDING
    return OrderState.OPEN


def _line(item: dict[str, Any]) -> OrderLine:
    quantity = int(item.get("quantity") or 0)
    subtotal = decimal_of(item.get("subtotal"), "line_items.subtotal")
    total = decimal_of(item.get("total"), "line_items.total")
    return OrderLine(
        platform_id=str(item.get("id")),
        product_id=id_of(item.get("product_id")),
        variant_id=id_of(item.get("variation_id")),
        quantity=quantity,
        unit_price=subtotal / quantity if quantity else ZERO,
        discount=subtotal - total,
    )


def draft_token(payload: dict[str, Any]) -> str:
    """A WooCommerce order is its own checkout: the draft and the order share this token."""
    return f"wc-order:{payload.get('id')}"


def _had_checkout(payload: dict[str, Any]) -> bool:
    """A draft, or an order a shopper placed; one made in wp-admin or by the API had none (and
    so names no checkout: it must not count as one)."""
    return payload.get("status") == DRAFT or payload.get("created_via") in CHECKOUT_SOURCES


def checkout_of(payload: dict[str, Any], snapshot: OrderSnapshot) -> CheckoutSnapshot | None:
    """The checkout behind a storefront order: open while the order is a draft (or unpaid),
    completed once it is placed. Orders made in wp-admin or by the API had no checkout."""
    if not _had_checkout(payload):
        return None
    billing = payload.get("billing") or {}
    completed = snapshot.state is OrderState.OPEN
    return CheckoutSnapshot(
        token=draft_token(payload),
        created_at=snapshot.created_at,
        updated_at=snapshot.updated_at,
        email=billing.get("email") or None,
        phone=billing.get("phone") or None,
        completed_at=snapshot.updated_at if completed else None,
        recovery_url=None,
        total=snapshot.total,
        customer=snapshot.customer,
        lines=tuple(
            CheckoutLine(
                title=str(item.get("name") or ""),
                quantity=line.quantity,
                unit_price=line.unit_price,
                product_id=line.product_id,
                variant_id=line.variant_id,
                image_url=_image(item),
            )
            for item, line in zip(payload.get("line_items") or [], snapshot.lines, strict=True)
        ),
        first_name=billing.get("first_name") or None,
    )


def _image(item: dict[str, Any]) -> str | None:
    """The product's picture the REST API adds to a line (`image.src`, empty when it has none)."""
    image = item.get("image")
    source = image.get("src") if isinstance(image, dict) else None
    return (
        source if isinstance(source, str) and source.startswith(("https://", "http://")) else None
    )


def attribution(payload: dict[str, Any]) -> dict[str, str]:
    """The order's Order Attribution fields (WooCommerce 8.5+ keeps them in the order's meta as
    `_wc_order_attribution_<field>`): `session_entry` is the first page of the visit that
    ordered, with its query, `referrer` the page before it."""
    found: dict[str, str] = {}
    for meta in payload.get("meta_data") or []:
        key = meta.get("key") if isinstance(meta, dict) else None
        value = meta.get("value") if isinstance(meta, dict) else None
        if isinstance(key, str) and key.startswith(ATTRIBUTION) and isinstance(value, str):
            found[key.removeprefix(ATTRIBUTION)] = value
    return found


def refund(payload: dict[str, Any], order_platform_id: str) -> Refund:
    """A refund from GET /orders/{id}/refunds: merchandise refunded, before tax and shipping."""
    lines = tuple(
        RefundLine(
            line_platform_id=id_of(item.get("id")),
            quantity=abs(int(item.get("quantity") or 0)),
            amount=abs(decimal_of(item.get("total"), "refund.line_items.total")),
        )
        for item in payload.get("line_items") or []
    )
    if lines:
        amount = sum((line.amount for line in lines), ZERO)
    else:
        shipping = sum(
            (
                abs(decimal_of(s.get("total"), "shipping_lines.total"))
                for s in payload.get("shipping_lines") or []
            ),
            ZERO,
        )
        taxes = sum(
            (
                abs(decimal_of(t.get("total"), "tax_lines.total"))
                for t in payload.get("tax_lines") or []
            ),
            ZERO,
        )
        amount = abs(decimal_of(payload.get("amount"), "refund.amount")) - shipping - taxes
    return Refund(
        platform_id=_required_id(payload),
        order_platform_id=order_platform_id,
        created_at=time_of(
            payload.get("date_created_gmt"), "refund.date_created_gmt", naive_is_utc=True
        ),
        amount=amount,
        lines=lines,
    )


def customer(payload: dict[str, Any]) -> CustomerSnapshot:
    return CustomerSnapshot(
        platform_id=id_of(payload.get("id")),
        email=payload.get("email") or None,
        first_name=payload.get("first_name") or None,
        last_name=payload.get("last_name") or None,
        created_at=optional_time(
            payload.get("date_created_gmt"), "date_created_gmt", naive_is_utc=True
        ),
        updated_at=optional_time(
            payload.get("date_modified_gmt"), "date_modified_gmt", naive_is_utc=True
        ),
    )


def _order_customer(payload: dict[str, Any]) -> CustomerSnapshot | None:
    billing = payload.get("billing") or {}
    email = billing.get("email") or None
    customer_id = id_of(payload.get("customer_id"))  # 0 for guests
    if customer_id is None and email is None:
        return None
    return CustomerSnapshot(
        platform_id=customer_id,
        email=email,
        first_name=billing.get("first_name") or None,
        last_name=billing.get("last_name") or None,
    )


def _cart_token(payload: dict[str, Any]) -> str:
    token = payload.get("id") or payload.get("cart_id")
    if not token:
        raise NormalisationError("abandoned cart has no id")
    return f"wcap:{token}"


def _cart_time(payload: dict[str, Any]) -> datetime:
    for field in ("abandoned_cart_time", "date", "time"):
        value = payload.get(field)
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value, UTC)
        if isinstance(value, str) and value:
            return time_of(value, field, naive_is_utc=True)
    raise NormalisationError("abandoned cart has no time")


def _required_id(payload: dict[str, Any]) -> str:
    value = id_of(payload.get("id"))
    if value is None:
        raise NormalisationError("payload has no id")
    return value
