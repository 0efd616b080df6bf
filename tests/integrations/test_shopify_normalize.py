"""Shopify payloads → neutral events, on the documented payload shapes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from app.integrations.events import (
    CheckoutChanged,
    CustomerUpserted,
    NormalisationError,
    OrderChanged,
    OrderSnapshot,
    OrderState,
    RefundCreated,
)
from app.integrations.shopify import normalize_graphql
from app.integrations.shopify.normalize import normalise
from tests.fixtures.payloads import payload


def order(name: str, topic: str = "orders/create") -> OrderSnapshot:
    [event] = normalise(topic, payload(name), "EUR")
    assert isinstance(event, OrderChanged)
    return event.order


def test_order_amounts_are_the_shops_and_gross_is_before_discounts() -> None:
    placed = order("shopify_order")
    assert placed.platform_id == "6183041875098"
    assert placed.gross == Decimal("168.80")  # 2 × 19.90 + 129.00
    assert placed.discounts == Decimal("16.88")
    assert placed.shipping == Decimal("4.90")
    assert placed.tax == Decimal("29.80")
    assert placed.total == Decimal("186.62")
    assert placed.created_at == datetime(2026, 11, 27, 9, 14, 32, tzinfo=UTC)
    assert placed.counted
    assert placed.customer is not None
    assert placed.customer.key == "id:7523148894362"
    assert placed.checkout_token == "9f2c4e1a7b3d48e6a05c1d2e3f4a5b6c"
    assert placed.discount_codes


def test_presentment_currency_is_ignored_for_the_shop_money() -> None:
    placed = order("shopify_order_two_currencies")
    assert placed.currency == "EUR"
    assert placed.total == Decimal("166.80")  # shop money, not the 180.56 USD presented
    assert placed.discounts == Decimal("16.99")
    assert placed.gross - placed.discounts == Decimal("152.95")


def test_plain_amounts_in_another_currency_without_money_bags_are_refused() -> None:
    body = payload("shopify_order_two_currencies")
    for key in [k for k in body if k.endswith("_set")]:
        del body[key]
    body["currency"] = "USD"
    with pytest.raises(NormalisationError, match="shop's EUR"):
        normalise("orders/create", body, "EUR")


def test_guest_order_belongs_to_its_email() -> None:
    guest = order("shopify_order_guest")
    assert guest.customer is not None
    assert guest.customer.platform_id is None
    assert guest.customer.key == "email:mira.becker@example.org"


def test_test_and_cancelled_orders_do_not_count() -> None:
    assert order("shopify_order_test").test
    assert not order("shopify_order_test").counted
    cancelled = order("shopify_order_cancelled", "orders/cancelled")
    assert cancelled.state is OrderState.CANCELLED
    assert not cancelled.counted
    [refund] = cancelled.refunds
    assert refund.amount == Decimal("148.90")


def test_edited_order_keeps_its_day_and_shows_the_current_total() -> None:
    original, edited = order("shopify_order"), order("shopify_order_edited", "orders/updated")
    assert edited.created_at == original.created_at
    assert edited.updated_at > original.updated_at
    assert edited.current_total == Decimal("165.30")
    assert edited.fulfilled_at == datetime(2026, 11, 27, 15, 5, 29, tzinfo=UTC)


def test_refund_counts_its_own_date_and_merchandise_only() -> None:
    [event] = normalise("refunds/create", payload("shopify_refund"), "EUR")
    assert isinstance(event, RefundCreated)
    assert event.refund.order_platform_id == "6183041875098"
    assert event.refund.amount == Decimal("116.10")
    assert event.refund.created_at == datetime(2026, 11, 30, 10, 20, 15, tzinfo=UTC)


def test_checkout_with_contact_details() -> None:
    [event] = normalise("checkouts/create", payload("shopify_checkout"), "EUR")
    assert isinstance(event, CheckoutChanged)
    checkout = event.checkout
    assert checkout.token == "c1f5a9e3b7d2468f9a0b1c2d3e4f5a6b"
    assert checkout.has_contact
    assert checkout.completed_at is None
    assert checkout.recovery_url is not None
    assert "/recover" in checkout.recovery_url


def test_customer_update() -> None:
    [event] = normalise("customers/update", payload("shopify_customer"), "EUR")
    assert isinstance(event, CustomerUpserted)
    assert event.customer.key == "id:7523148894362"
    assert event.customer.first_name == "Lena"


def test_unknown_topic_is_an_error() -> None:
    with pytest.raises(NormalisationError):
        normalise("products/update", {"id": 1}, "EUR")


def test_checkout_lines_name_their_product_and_variant() -> None:
    [event] = normalise("checkouts/create", payload("shopify_checkout"), "EUR")

    assert isinstance(event, CheckoutChanged)
    assert all(line.product_id and line.variant_id for line in event.checkout.lines)


def test_an_abandoned_checkout_node_has_its_lines_with_their_pictures() -> None:
    money = {"shopMoney": {"amount": "129.00", "currencyCode": "EUR"}}
    node = {
        "id": "gid://shopify/AbandonedCheckout/1",
        "createdAt": "2026-11-30T10:00:00Z",
        "abandonedCheckoutUrl": "https://s.example/checkouts/c1f5/recover?key=k",
        "totalPriceSet": money,
        "lineItems": {
            "nodes": [
                {
                    "title": "Packable Rain Shell",
                    "variantTitle": "M",
                    "quantity": 1,
                    "originalUnitPriceSet": money,
                    "image": {"url": "https://cdn.shopify.example/shell.jpg"},
                    "product": {"legacyResourceId": "8101"},
                    "variant": {"legacyResourceId": "44101"},
                },
                {"title": "Gift card", "quantity": 1, "originalUnitPriceSet": money, "image": None},
            ]
        },
    }

    shell, gift = normalize_graphql.checkout(node, "EUR").lines

    assert (shell.title, shell.unit_price) == ("Packable Rain Shell – M", Decimal("129.00"))
    assert (shell.product_id, shell.variant_id) == ("8101", "44101")
    assert shell.image_url == "https://cdn.shopify.example/shell.jpg"
    assert (gift.product_id, gift.image_url) == (None, None)
