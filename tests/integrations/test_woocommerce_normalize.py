"""WooCommerce payloads → neutral events, on the documented payload shapes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from app.integrations.events import CheckoutChanged, CustomerUpserted, OrderChanged, OrderState
from app.integrations.woocommerce.normalize import normalise, refund
from tests.fixtures.payloads import payload


def test_order_amounts_and_utc_dates() -> None:
    events = normalise("order.created", payload("woocommerce_order"), "GBP")
    order = next(e.order for e in events if isinstance(e, OrderChanged))
    assert order.gross == Decimal("85.00")  # line subtotals, before the coupon
    assert order.discounts == Decimal("8.50")
    assert order.shipping == Decimal("4.50")
    assert order.tax == Decimal("16.20")
    assert order.total == Decimal("97.20")
    assert order.created_at == datetime(2026, 11, 27, 14, 32, 8, tzinfo=UTC)
    assert order.state is OrderState.OPEN
    assert order.customer is not None
    assert order.customer.key == "id:57"
    # A storefront order completes its checkout.
    checkout = next(e.checkout for e in events if isinstance(e, CheckoutChanged))
    assert checkout.completed_at is not None
    assert checkout.token == order.checkout_token


def test_refunds_are_listed_for_fetching_and_reduce_the_current_total() -> None:
    events = normalise("order.updated", payload("woocommerce_order_refunded"), "GBP")
    order = next(e.order for e in events if isinstance(e, OrderChanged))
    assert order.refund_ids_to_fetch == ("726",)
    assert order.current_total == Decimal("87.20")
    assert order.fulfilled_at == datetime(2026, 11, 28, 11, 5, 47, tzinfo=UTC)


def test_fetched_refund_counts_its_line_totals_on_its_own_date() -> None:
    fetched = refund(payload("woocommerce_refund"), "4180")
    assert fetched.amount == Decimal("8.33")  # merchandise, before the 1.67 of VAT
    assert fetched.created_at == datetime(2026, 11, 29, 10, 15, 42, tzinfo=UTC)


def test_checkout_draft_is_an_open_checkout_not_an_order() -> None:
    events = normalise("order.updated", payload("woocommerce_order_guest_draft"), "GBP")
    assert not any(isinstance(e, OrderChanged) for e in events)
    [draft] = [e.checkout for e in events if isinstance(e, CheckoutChanged)]
    assert draft.completed_at is None
    assert draft.email == "priya.nair@example.net"
    assert draft.customer is not None
    assert draft.customer.key == "email:priya.nair@example.net"  # customer_id 0: a guest


def test_cancelled_and_pending_orders_do_not_count() -> None:
    body = payload("woocommerce_order")
    for status, state in [
        ("cancelled", OrderState.CANCELLED),
        ("failed", OrderState.PENDING),
        ("pending", OrderState.PENDING),
        ("on-hold", OrderState.OPEN),
    ]:
        body["status"] = status
        order = next(
            e.order for e in normalise("order.updated", body, "GBP") if isinstance(e, OrderChanged)
        )
        assert order.state is state, status


def test_customer() -> None:
    [event] = normalise("customer.updated", payload("woocommerce_customer"), "GBP")
    assert isinstance(event, CustomerUpserted)
    assert event.customer.key == "id:57"
    assert event.customer.updated_at == datetime(2026, 11, 28, 9, 30, 2, tzinfo=UTC)


def test_checkout_lines_name_their_product_variation_and_picture() -> None:
    body = payload("woocommerce_order_guest_draft")
    scarf = {**body["line_items"][0], "id": 9, "product_id": 3320, "variation_id": 3324}
    scarf["image"] = {"id": 0, "src": ""}  # a product without a picture
    body["line_items"] = [body["line_items"][0], scarf]

    [event] = normalise("order.updated", body, "GBP")

    assert isinstance(event, CheckoutChanged)
    beanie, variation = event.checkout.lines
    assert (beanie.product_id, beanie.variant_id) == ("3312", None)
    assert beanie.image_url == (
        "https://shop.hebdenwool.example/wp-content/uploads/2026/09/merino-beanie.jpg"
    )
    assert (variation.product_id, variation.variant_id, variation.image_url) == (
        "3320",
        "3324",
        None,
    )


def test_order_attribution_gives_the_landing_page_and_referrer() -> None:
    body = payload("woocommerce_order")
    body["meta_data"] = [
        {"id": 1, "key": "_wc_order_attribution_source_type", "value": "utm"},
        {"id": 2, "key": "_wc_order_attribution_referrer", "value": "https://mail.example/"},
        {
            "id": 3,
            "key": "_wc_order_attribution_session_entry",
            "value": "https://store.example/checkout/?storeokr=12&utm_source=storeokr",
        },
        {"id": 4, "key": "_some_other_plugin", "value": "x"},
    ]

    order = next(e for e in normalise("order.created", body, "GBP") if isinstance(e, OrderChanged))

    assert (
        order.order.landing_site
        == "https://store.example/checkout/?storeokr=12&utm_source=storeokr"
    )
    assert order.order.referrer == "https://mail.example/"


def test_an_order_without_order_attribution_has_no_landing_page() -> None:
    body = payload("woocommerce_order")
    body["meta_data"] = []

    order = next(e for e in normalise("order.created", body, "GBP") if isinstance(e, OrderChanged))

    assert order.order.landing_site is None
