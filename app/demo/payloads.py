"""Shopify webhook bodies built the way Shopify builds them: amounts as strings, each with its
`*_set` MoneyBag holding shop and presentment money."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.demo.catalog import DEMO_CURRENCY, SHIPPING, USD_PER_EUR, VAT, Product

CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money_bag(amount: Decimal, presentment: str) -> dict[str, Any]:
    shown = cents(amount * USD_PER_EUR) if presentment == "USD" else amount
    return {
        "shop_money": {"amount": str(cents(amount)), "currency_code": DEMO_CURRENCY},
        "presentment_money": {"amount": str(shown), "currency_code": presentment},
    }


def priced(body: dict[str, Any], field_name: str, amount: Decimal, presentment: str) -> None:
    body[field_name] = str(cents(amount))
    body[f"{field_name}_set"] = money_bag(amount, presentment)


@dataclass
class Person:
    customer_id: int
    email: str
    first_name: str
    last_name: str
    consents: bool = True  # to e-mail marketing (most of the demo's shoppers do)

    def as_customer(self, at: datetime) -> dict[str, Any]:
        consent = "subscribed" if self.consents else "not_subscribed"
        return {
            "id": self.customer_id,
            "email": self.email,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "created_at": at.isoformat(),
            "updated_at": at.isoformat(),
            "state": "enabled",
            "currency": DEMO_CURRENCY,
            "email_marketing_consent": {
                "state": consent,
                "opt_in_level": "single_opt_in",
                "consent_updated_at": at.isoformat(),
            },
        }


@dataclass
class Basket:
    items: list[tuple[Product, int]]
    discount_code: str | None = None
    presentment: str = DEMO_CURRENCY
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def gross(self) -> Decimal:
        return sum((product.price * quantity for product, quantity in self.items), Decimal("0"))

    @property
    def discount(self) -> Decimal:
        return cents(self.gross * Decimal("0.10")) if self.discount_code else Decimal("0")


def order_body(
    order_id: int,
    number: int,
    person: Person | None,
    basket: Basket,
    checkout_token: str,
    at: datetime,
    *,
    test: bool = False,
) -> dict[str, Any]:
    subtotal = basket.gross - basket.discount
    tax = cents(subtotal * VAT)
    body: dict[str, Any] = {
        "id": order_id,
        "name": f"#{number}",
        "order_number": number,
        "test": test,
        "created_at": at.isoformat(),
        "updated_at": at.isoformat(),
        "processed_at": at.isoformat(),
        "cancelled_at": None,
        "currency": DEMO_CURRENCY,
        "presentment_currency": basket.presentment,
        "financial_status": "paid",
        "source_name": "web",
        "checkout_token": checkout_token,
        "email": person.email if person else f"guest-{order_id}@example.org",
        "customer": person.as_customer(at) if person else None,
        "discount_codes": (
            [{"code": basket.discount_code, "amount": str(basket.discount), "type": "percentage"}]
            if basket.discount_code
            else []
        ),
        "line_items": [
            _line(order_id, index, product, quantity, basket.presentment)
            for index, (product, quantity) in enumerate(basket.items)
        ],
        "refunds": [],
        "fulfillments": [],
        **basket.extra,
    }
    priced(body, "total_line_items_price", basket.gross, basket.presentment)
    priced(body, "total_discounts", basket.discount, basket.presentment)
    priced(body, "subtotal_price", subtotal, basket.presentment)
    priced(body, "total_tax", tax, basket.presentment)
    priced(body, "total_price", subtotal + tax + SHIPPING, basket.presentment)
    priced(body, "current_total_price", subtotal + tax + SHIPPING, basket.presentment)
    body["total_shipping_price_set"] = money_bag(SHIPPING, basket.presentment)
    return body


def _line(
    order_id: int, index: int, product: Product, quantity: int, presentment: str
) -> dict[str, Any]:
    line: dict[str, Any] = {
        "id": order_id * 10 + index,
        "product_id": product.product_id,
        "variant_id": product.variant_id,
        "title": product.title,
        "quantity": quantity,
        "total_discount": "0.00",
        "total_discount_set": money_bag(Decimal("0"), presentment),
    }
    priced(line, "price", product.price, presentment)
    return line


def checkout_body(
    token: str, person: Person, basket: Basket, at: datetime, shop_url: str
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "token": token,
        "cart_token": f"cart-{token}",
        "email": person.email,
        "phone": None,
        "created_at": at.isoformat(),
        "updated_at": at.isoformat(),
        "completed_at": None,
        "currency": DEMO_CURRENCY,
        "presentment_currency": basket.presentment,
        "abandoned_checkout_url": f"{shop_url}/checkouts/{token}/recover?key=demo",
        "buyer_accepts_marketing": person.consents,
        "customer": person.as_customer(at),
        "line_items": [
            {
                "product_id": p.product_id,
                "variant_id": p.variant_id,
                "quantity": q,
                "price": str(p.price),
                "title": p.title,
            }
            for p, q in basket.items
        ],
    }
    priced(body, "total_price", basket.gross - basket.discount, basket.presentment)
    return body


def refund_body(
    refund_id: int, order: dict[str, Any], line_index: int, at: datetime
) -> dict[str, Any]:
    line = order["line_items"][line_index]
    amount = Decimal(line["price"])
    return {
        "id": refund_id,
        "order_id": order["id"],
        "created_at": at.isoformat(),
        "processed_at": at.isoformat(),
        "note": "Returned",
        "refund_line_items": [
            {
                "id": refund_id * 10,
                "line_item_id": line["id"],
                "quantity": 1,
                "restock_type": "return",
                "subtotal": float(amount),
                "subtotal_set": money_bag(amount, order["presentment_currency"]),
                "total_tax": float(cents(amount * VAT)),
                "total_tax_set": money_bag(cents(amount * VAT), order["presentment_currency"]),
            }
        ],
        "transactions": [],
        "order_adjustments": [],
    }
