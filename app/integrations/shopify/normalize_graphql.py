"""Shopify Admin GraphQL nodes (reconciliation, backfill) → the same neutral events the
webhooks give, so that both paths write the mirror through one upsert."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.integrations.events import (
    ZERO,
    CheckoutLine,
    CheckoutSnapshot,
    CustomerSnapshot,
    NormalisationError,
    OrderLine,
    OrderSnapshot,
    OrderState,
    Refund,
    RefundLine,
)
from app.integrations.parsing import decimal_of, optional_time, time_of


def shop_money(node: dict[str, Any], field: str) -> Decimal:
    bag = node.get(field) or {}
    money = bag.get("shopMoney")
    if not isinstance(money, dict):
        return ZERO
    return decimal_of(money.get("amount"), f"{field}.shopMoney")


def legacy_id(node: dict[str, Any] | None) -> str | None:
    if not node:
        return None
    value = node.get("legacyResourceId") or str(node.get("id") or "").rsplit("/", 1)[-1]
    return str(value) if value else None


def order(node: dict[str, Any], shop_currency: str) -> OrderSnapshot:
    platform_id = legacy_id(node)
    if platform_id is None:
        raise NormalisationError("order node has no id")
    lines = tuple(_line(item) for item in (node.get("lineItems") or {}).get("nodes") or [])
    created = time_of(node.get("createdAt"), "createdAt")
    cancelled_at = optional_time(node.get("cancelledAt"), "cancelledAt")
    return OrderSnapshot(
        platform_id=platform_id,
        name=str(node.get("name") or platform_id),
        created_at=created,
        updated_at=optional_time(node.get("updatedAt"), "updatedAt") or created,
        state=OrderState.CANCELLED if cancelled_at else OrderState.OPEN,
        test=bool(node.get("test")),
        currency=shop_currency,
        gross=sum((line.unit_price * line.quantity for line in lines), ZERO),
        discounts=shop_money(node, "totalDiscountsSet"),
        shipping=shop_money(node, "totalShippingPriceSet"),
        tax=shop_money(node, "totalTaxSet"),
        total=shop_money(node, "totalPriceSet"),
        current_total=shop_money(node, "currentTotalPriceSet"),
        status=str(node.get("displayFinancialStatus") or "").lower(),
        customer=_customer_of_order(node),
        checkout_token=node.get("checkoutToken") or None,  # Admin GraphQL 2026-07 and later
        source=node.get("sourceName"),
        landing_site=node.get("landingPageUrl"),
        referrer=node.get("referrerUrl"),
        discount_codes=tuple(str(code) for code in node.get("discountCodes") or []),
        lines=lines,
        refunds=tuple(refund(r, platform_id) for r in node.get("refunds") or []),
        cancelled_at=cancelled_at,
    )


def _line(item: dict[str, Any]) -> OrderLine:
    return OrderLine(
        platform_id=str(item.get("id") or "").rsplit("/", 1)[-1],
        product_id=legacy_id(item.get("product")),
        variant_id=legacy_id(item.get("variant")),
        quantity=int(item.get("quantity") or 0),
        unit_price=shop_money(item, "originalUnitPriceSet"),
    )


def refund(node: dict[str, Any], order_platform_id: str) -> Refund:
    lines = tuple(
        RefundLine(
            line_platform_id=legacy_id(item.get("lineItem")),
            quantity=int(item.get("quantity") or 0),
            amount=shop_money(item, "subtotalSet"),
        )
        for item in (node.get("refundLineItems") or {}).get("nodes") or []
    )
    return Refund(
        platform_id=legacy_id(node) or "",
        order_platform_id=order_platform_id,
        created_at=time_of(node.get("createdAt"), "refund.createdAt"),
        amount=sum((line.amount for line in lines), ZERO),
        lines=lines,
    )


def checkout(node: dict[str, Any], shop_currency: str) -> CheckoutSnapshot:
    url = node.get("abandonedCheckoutUrl") or ""
    # The token is the path segment before /recover in the checkout's recovery URL.
    parts = url.split("/checkouts/", 1)[-1].split("/", 1)
    token = parts[0] if "/checkouts/" in url else legacy_id(node)
    if not token:
        raise NormalisationError("abandoned checkout node has no token")
    created = time_of(node.get("createdAt"), "createdAt")
    person = node.get("customer")
    return CheckoutSnapshot(
        token=token,
        created_at=created,
        updated_at=optional_time(node.get("updatedAt"), "updatedAt") or created,
        email=(person or {}).get("email"),
        phone=None,
        completed_at=optional_time(node.get("completedAt"), "completedAt"),
        recovery_url=url or None,
        total=shop_money(node, "totalPriceSet"),
        customer=_customer(person) if person else None,
        lines=tuple(
            _checkout_line(item) for item in (node.get("lineItems") or {}).get("nodes") or []
        ),
        listed_abandoned=True,  # the only checkouts the Admin API lists
    )


def _checkout_line(item: dict[str, Any]) -> CheckoutLine:
    """An `AbandonedCheckoutLineItem`: its `image` is the variant's or else the product's."""
    title, variant = str(item.get("title") or ""), item.get("variantTitle")
    image = (item.get("image") or {}).get("url")
    return CheckoutLine(
        title=f"{title} – {variant}" if variant else title,
        quantity=int(item.get("quantity") or 0),
        unit_price=shop_money(item, "originalUnitPriceSet"),
        product_id=legacy_id(item.get("product")),
        variant_id=legacy_id(item.get("variant")),
        image_url=image if isinstance(image, str) and image else None,
    )


def customer(node: dict[str, Any]) -> CustomerSnapshot:
    address = node.get("defaultEmailAddress") or {}
    return CustomerSnapshot(
        platform_id=legacy_id(node),
        email=address.get("emailAddress"),
        first_name=node.get("firstName"),
        last_name=node.get("lastName"),
        accepts_marketing=address.get("marketingState") == "SUBSCRIBED",
        created_at=optional_time(node.get("createdAt"), "createdAt"),
        updated_at=optional_time(node.get("updatedAt"), "updatedAt"),
    )


def _customer(person: dict[str, Any]) -> CustomerSnapshot:
    return CustomerSnapshot(platform_id=legacy_id(person), email=person.get("email"))


def _customer_of_order(node: dict[str, Any]) -> CustomerSnapshot | None:
    person = node.get("customer")
    if person:
        return _customer(person)
    email = node.get("email")
    return CustomerSnapshot(platform_id=None, email=email) if email else None
