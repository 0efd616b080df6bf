"""WooCommerce's shareable checkout link, as our cart links build it."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from app.integrations.adapters import adapter_for
from app.integrations.base import CartItem


def test_one_pair_per_product_or_variation_and_our_parameters_kept() -> None:
    items = [
        CartItem("3312", None, 1),
        CartItem("3320", "3324", 1),
        CartItem("3320", "3324", 2),  # the same variation on two lines
        CartItem("3320", "3325", 1),
    ]

    url = adapter_for("woocommerce").cart_url(
        "https://store.example/shop/", items, [("storeokr", "7"), ("utm_source", "storeokr")]
    )

    assert url is not None
    parts = urlsplit(url)
    assert url.startswith(
        "https://store.example/shop/checkout-link/?products=3312:1,3324:3,3325:1&"
    )
    assert parse_qsl(parts.query)[1:] == [("storeokr", "7"), ("utm_source", "storeokr")]


def test_shopify_has_a_recovery_url_of_its_own() -> None:
    assert adapter_for("shopify").cart_url("https://x.myshopify.com", [], ()) is None
