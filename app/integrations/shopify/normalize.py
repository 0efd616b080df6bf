"""Shopify webhook payloads → platform-neutral commerce events (pure functions).

Money is read from the `*_set` MoneyBags' `shop_money` side, so a sale presented in another
currency is counted in the shop's; the plain field is used only when the bag is absent and the
order is in the shop's currency (METRICS.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.integrations.checking import checked, reading
from app.integrations.events import (
    ZERO,
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
    RefundCreated,
    RefundLine,
)
from app.integrations.parsing import decimal_of, id_of, optional_time, time_of

ORDER_TOPICS = frozenset(
    {"orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/fulfilled"}
)
CHECKOUT_TOPICS = frozenset({"checkouts/create", "checkouts/update"})
CUSTOMER_TOPICS = frozenset({"customers/create", "customers/update"})
TOPICS = ORDER_TOPICS | CHECKOUT_TOPICS | CUSTOMER_TOPICS | {"refunds/create"}


def normalise(topic: str, payload: dict[str, Any], shop_currency: str) -> list[CommerceEvent]:
    """The payload's events, or a NormalisationError that says what is wrong with it."""
    with reading("Shopify", topic):
        return checked(_events(topic, payload, shop_currency))


def _events(topic: str, payload: dict[str, Any], shop_currency: str) -> list[CommerceEvent]:
    if topic in ORDER_TOPICS:
        return [OrderChanged(order(payload, shop_currency))]
    if topic == "refunds/create":
        return [RefundCreated(refund(payload, shop_currency, payload.get("currency")))]
    if topic in CHECKOUT_TOPICS:
        return [CheckoutChanged(checkout(payload, shop_currency))]
    if topic in CUSTOMER_TOPICS:
        return [CustomerUpserted(customer(payload))]
    raise NormalisationError(f"Shopify topic {topic!r} is not one StoreOKR reads")


def money(
    payload: dict[str, Any], field: str, shop_currency: str, order_currency: str | None
) -> Decimal:
    """The amount of `field` in the shop's currency."""
    bag = payload.get(f"{field}_set")
    if isinstance(bag, dict) and isinstance(bag.get("shop_money"), dict):
        return decimal_of(bag["shop_money"].get("amount"), f"{field}_set.shop_money")
    if field not in payload or payload[field] is None:
        return ZERO
    if order_currency and order_currency != shop_currency:
        raise NormalisationError(
            f"{field} is in {order_currency}, not the shop's {shop_currency}, "
            f"and has no {field}_set"
        )
    return decimal_of(payload[field], field)


def order(payload: dict[str, Any], shop_currency: str) -> OrderSnapshot:
    currency = payload.get("currency")
    lines = tuple(_line(item, shop_currency, currency) for item in payload.get("line_items") or [])
    created = time_of(payload.get("created_at"), "created_at")
    cancelled_at = optional_time(payload.get("cancelled_at"), "cancelled_at")
    fulfilments = [
        time_of(f.get("created_at"), "fulfillments.created_at")
        for f in payload.get("fulfillments") or []
    ]
    return OrderSnapshot(
        platform_id=_required_id(payload),
        name=str(payload.get("name") or payload.get("order_number") or payload["id"]),
        created_at=created,
        updated_at=optional_time(payload.get("updated_at"), "updated_at") or created,
        state=OrderState.CANCELLED if cancelled_at else OrderState.OPEN,
        test=bool(payload.get("test")),
        currency=shop_currency,
        gross=sum((line.unit_price * line.quantity for line in lines), ZERO),
        discounts=money(payload, "total_discounts", shop_currency, currency),
        shipping=money(payload, "total_shipping_price", shop_currency, currency),
        tax=money(payload, "total_tax", shop_currency, currency),
        total=money(payload, "total_price", shop_currency, currency),
        current_total=money(payload, "current_total_price", shop_currency, currency)
        if "current_total_price" in payload or "current_total_price_set" in payload
        else money(payload, "total_price", shop_currency, currency),
        status=str(payload.get("financial_status") or ""),
        customer=_order_customer(payload),
        checkout_token=payload.get("checkout_token"),
        source=payload.get("source_name"),
        landing_site=payload.get("landing_site"),
        referrer=payload.get("referring_site"),
        discount_codes=tuple(
            str(d.get("code")) for d in payload.get("discount_codes") or [] if d.get("code")
        ),
        lines=lines,
        refunds=tuple(refund(r, shop_currency, currency) for r in payload.get("refunds") or []),
        fulfilled_at=min(fulfilments) if fulfilments else None,
        cancelled_at=cancelled_at,
    )


def _line(item: dict[str, Any], shop_currency: str, currency: str | None) -> OrderLine:
    return OrderLine(
        platform_id=str(item.get("id")),
        product_id=id_of(item.get("product_id")),
        variant_id=id_of(item.get("variant_id")),
        quantity=int(item.get("quantity") or 0),
        unit_price=money(item, "price", shop_currency, currency),
        discount=money(item, "total_discount", shop_currency, currency),
    )


def refund(payload: dict[str, Any], shop_currency: str, currency: str | None) -> Refund:
    lines = tuple(
        RefundLine(
            line_platform_id=id_of(item.get("line_item_id")),
            quantity=int(item.get("quantity") or 0),
            amount=money(item, "subtotal", shop_currency, currency),
        )
        for item in payload.get("refund_line_items") or []
    )
    created = payload.get("created_at") or payload.get("processed_at")
    return Refund(
        platform_id=_required_id(payload),
        order_platform_id=str(payload.get("order_id")),
        created_at=time_of(created, "refund.created_at"),
        amount=sum((line.amount for line in lines), ZERO),
        lines=lines,
    )


def checkout(payload: dict[str, Any], shop_currency: str) -> CheckoutSnapshot:
    token = payload.get("token")
    if not token:
        raise NormalisationError("checkout has no token")
    created = time_of(payload.get("created_at"), "created_at")
    person = payload.get("customer")
    currency = payload.get("currency")
    lines = tuple(
        _checkout_line(item, shop_currency, currency) for item in payload.get("line_items") or []
    )
    marketing = payload.get("buyer_accepts_marketing")
    return CheckoutSnapshot(
        token=str(token),
        created_at=created,
        updated_at=optional_time(payload.get("updated_at"), "updated_at") or created,
        email=payload.get("email") or None,
        phone=payload.get("phone") or None,
        completed_at=optional_time(payload.get("completed_at"), "completed_at"),
        recovery_url=payload.get("abandoned_checkout_url"),
        total=money(payload, "total_price", shop_currency, payload.get("currency")),
        customer=customer(person) if isinstance(person, dict) and person.get("id") else None,
        lines=lines,
        first_name=_first_name(payload),
        accepts_marketing=marketing if isinstance(marketing, bool) else None,
    )


def _checkout_line(item: dict[str, Any], shop_currency: str, currency: str | None) -> CheckoutLine:
    title = str(item.get("title") or item.get("presentment_title") or "")
    variant = item.get("variant_title")
    return CheckoutLine(
        title=f"{title} – {variant}" if variant else title,
        quantity=int(item.get("quantity") or 0),
        unit_price=money(item, "price", shop_currency, currency),
        product_id=id_of(item.get("product_id")),
        variant_id=id_of(item.get("variant_id")),
    )


def _first_name(payload: dict[str, Any]) -> str | None:
    """The shopper's first name: the customer's, else the one on an address of the checkout."""
    for holder in ("customer", "billing_address", "shipping_address"):
        person = payload.get(holder)
        if isinstance(person, dict) and person.get("first_name"):
            return str(person["first_name"])
    return None


def customer(payload: dict[str, Any]) -> CustomerSnapshot:
    consent = payload.get("email_marketing_consent") or {}
    subscribed = (
        consent.get("state") == "subscribed" if consent else bool(payload.get("accepts_marketing"))
    )
    return CustomerSnapshot(
        platform_id=id_of(payload.get("id")),
        email=payload.get("email") or None,
        first_name=payload.get("first_name"),
        last_name=payload.get("last_name"),
        accepts_marketing=subscribed,
        created_at=optional_time(payload.get("created_at"), "customer.created_at"),
        updated_at=optional_time(payload.get("updated_at"), "customer.updated_at"),
    )


def _order_customer(payload: dict[str, Any]) -> CustomerSnapshot | None:
    person = payload.get("customer")
    if isinstance(person, dict) and person.get("id"):
        return customer(person)
    email = payload.get("email") or payload.get("contact_email")
    return CustomerSnapshot(platform_id=None, email=email) if email else None  # a guest


def _required_id(payload: dict[str, Any]) -> str:
    value = id_of(payload.get("id"))
    if value is None:
        raise NormalisationError("payload has no id")
    return value
