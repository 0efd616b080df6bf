"""How each platform tells the same shopping story: which webhooks, in which shape, signed how."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from app.demo.catalog import DEMO_CURRENCY, SHIPPING, VAT
from app.demo.payloads import Basket, Person, cents, checkout_body, order_body, refund_body
from app.webhooks.verification import body_signature

Message = tuple[str, dict[str, Any]]  # (topic, body)


class StoreShape(Protocol):
    platform: str
    has_test_orders: bool

    def checkout(
        self, order_id: int, token: str, person: Person, basket: Basket, at: datetime
    ) -> tuple[str, Message]:
        """The checkout's token and the webhook that announces it."""
        ...

    def order(
        self,
        order_id: int,
        number: int,
        person: Person | None,
        basket: Basket,
        token: str,
        at: datetime,
        *,
        test: bool,
    ) -> tuple[dict[str, Any], list[Message]]: ...

    def refund(self, refund_id: int, order: dict[str, Any], at: datetime) -> list[Message]: ...

    def headers(
        self, topic: str, body: bytes, webhook_id: str, at: datetime
    ) -> dict[str, str] | None:
        """Delivery headers, signed; None while the store has no secret to sign with yet."""
        ...


@dataclass
class ShopifyShape:
    shop: str
    secret: str
    platform: str = "shopify"
    has_test_orders: bool = True

    def checkout(
        self, order_id: int, token: str, person: Person, basket: Basket, at: datetime
    ) -> tuple[str, Message]:
        return token, (
            "checkouts/create",
            checkout_body(token, person, basket, at, f"https://{self.shop}"),
        )

    def order(
        self,
        order_id: int,
        number: int,
        person: Person | None,
        basket: Basket,
        token: str,
        at: datetime,
        *,
        test: bool,
    ) -> tuple[dict[str, Any], list[Message]]:
        body = order_body(order_id, number, person, basket, token, at, test=test)
        return body, [("orders/create", body), ("orders/paid", body)]

    def refund(self, refund_id: int, order: dict[str, Any], at: datetime) -> list[Message]:
        refund = refund_body(refund_id, order, 0, at)
        order["refunds"], order["updated_at"] = [refund], at.isoformat()
        return [("refunds/create", refund), ("orders/updated", order)]

    def headers(
        self, topic: str, body: bytes, webhook_id: str, at: datetime
    ) -> dict[str, str] | None:
        return {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Shop-Domain": self.shop,
            "X-Shopify-Hmac-Sha256": body_signature(self.secret, body),
            "X-Shopify-Webhook-Id": webhook_id,
            "X-Shopify-API-Version": "2026-10",
            "X-Shopify-Triggered-At": at.isoformat(),
        }


@dataclass
class WooCommerceShape:
    """A WooCommerce store with the block checkout: a checkout is a `checkout-draft` order that
    becomes the real order (same id) when the shopper pays."""

    store_url: str
    platform: str = "woocommerce"
    has_test_orders: bool = False  # WooCommerce has none
    secret: str | None = None  # ours, given when StoreOKR creates its webhooks
    refunds: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    def checkout(
        self, order_id: int, token: str, person: Person, basket: Basket, at: datetime
    ) -> tuple[str, Message]:
        draft = woo_order(order_id, person, basket, at, status="checkout-draft")
        return f"wc-order:{order_id}", ("order.updated", draft)

    def order(
        self,
        order_id: int,
        number: int,
        person: Person | None,
        basket: Basket,
        token: str,
        at: datetime,
        *,
        test: bool,
    ) -> tuple[dict[str, Any], list[Message]]:
        body = woo_order(order_id, person, basket, at, status="processing")
        return body, [("order.created", body)]

    def refund(self, refund_id: int, order: dict[str, Any], at: datetime) -> list[Message]:
        line = order["line_items"][0]
        amount = cents(Decimal(line["subtotal"]) / line["quantity"])
        self.refunds[order["id"]] = [
            {
                "id": refund_id,
                "date_created_gmt": _gmt(at),
                "amount": str(cents(amount * (1 + VAT))),
                "reason": "Returned",
                "line_items": [
                    {
                        "id": refund_id * 10,
                        "product_id": line["product_id"],
                        "quantity": -1,
                        "subtotal": str(-amount),
                        "total": str(-amount),
                    }
                ],
            }
        ]
        order["refunds"] = [
            {"id": refund_id, "reason": "Returned", "total": str(-cents(amount * (1 + VAT)))}
        ]
        order["date_modified_gmt"] = _gmt(at)
        return [("order.updated", order)]

    def headers(
        self, topic: str, body: bytes, webhook_id: str, at: datetime
    ) -> dict[str, str] | None:
        if self.secret is None:
            return None
        resource, event = topic.split(".")
        return {
            "Content-Type": "application/json",
            "User-Agent": "WooCommerce/9.4 Hookshot (WordPress/6.7)",
            "X-WC-Webhook-Source": f"{self.store_url}/",
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": resource,
            "X-WC-Webhook-Event": event,
            "X-WC-Webhook-Signature": body_signature(self.secret, body),
            "X-WC-Webhook-ID": "1",
            "X-WC-Webhook-Delivery-ID": webhook_id,
        }


def _gmt(at: datetime) -> str:
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def woo_order(
    order_id: int, person: Person | None, basket: Basket, at: datetime, *, status: str
) -> dict[str, Any]:
    lines: list[dict[str, Any]] = []
    for index, (product, quantity) in enumerate(basket.items):
        subtotal = product.price * quantity
        share = cents(basket.discount * subtotal / basket.gross) if basket.gross else Decimal("0")
        lines.append(
            {
                "id": order_id * 10 + index,
                "name": product.title,
                "product_id": product.product_id,
                "variation_id": product.variant_id,
                "quantity": quantity,
                "subtotal": str(cents(subtotal)),
                "total": str(cents(subtotal - share)),
                "price": float(product.price),
            }
        )
    merchandise = sum((Decimal(line["total"]) for line in lines), Decimal("0"))
    tax = cents(merchandise * VAT)
    return {
        "id": order_id,
        "number": str(order_id),
        "status": status,
        "currency": DEMO_CURRENCY,
        "created_via": "store-api",
        "date_created_gmt": _gmt(at),
        "date_modified_gmt": _gmt(at),
        "date_completed_gmt": None,
        "discount_total": str(cents(basket.gross) - merchandise),
        "shipping_total": str(SHIPPING),
        "total_tax": str(tax),
        "total": str(merchandise + SHIPPING + tax),
        "customer_id": person.customer_id if person else 0,
        "billing": {
            "first_name": person.first_name if person else "Guest",
            "last_name": person.last_name if person else "",
            "email": person.email if person else f"guest-{order_id}@example.org",
        },
        "line_items": lines,
        "coupon_lines": [{"code": basket.discount_code}] if basket.discount_code else [],
        "refunds": [],
        "meta_data": attribution_meta(basket.extra.get("landing_site")),
    }


def attribution_meta(entry: str | None) -> list[dict[str, Any]]:
    """Order Attribution's meta, as WooCommerce 8.5+ keeps it on an order: the visit's entry
    page and, when it came with `utm_*`, their values (a visit without: typed in)."""
    if not entry:
        return []
    utm = {k: v for k, v in parse_qsl(urlsplit(entry).query) if k.startswith("utm_")}
    fields = {"source_type": "utm" if utm else "typein", "session_entry": entry, **utm}
    return [
        {"id": number, "key": f"_wc_order_attribution_{name}", "value": value}
        for number, (name, value) in enumerate(fields.items(), start=1)
    ]


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()
