"""The platform adapters: what each reads from a webhook's headers, who signs its deliveries,
and which adapter a platform's value finds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.datastructures import Headers

from app.errors import BadRequest
from app.integrations.adapters import ADAPTERS, adapter_for
from app.integrations.platforms import Platform
from tests.fixtures.settings import make_settings

SHOPIFY, WOOCOMMERCE = ADAPTERS[Platform.SHOPIFY], ADAPTERS[Platform.WOOCOMMERCE]


def shopify_headers(**overrides: str) -> Headers:
    values = {
        "X-Shopify-Shop-Domain": "demo.myshopify.com",
        "X-Shopify-Hmac-Sha256": "c2lnbmVk",
        "X-Shopify-Webhook-Id": "delivery-1",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Triggered-At": "2026-11-23T10:00:00.123456789Z",
    }
    values.update(overrides)
    return Headers({name: value for name, value in values.items() if value})


def test_a_platform_value_finds_its_adapter_and_an_unknown_one_is_refused() -> None:
    assert adapter_for("woocommerce") is WOOCOMMERCE
    assert adapter_for(Platform.SHOPIFY) is SHOPIFY
    with pytest.raises(ValueError, match="unknown platform 'bigcommerce'"):
        adapter_for("bigcommerce")


def test_shopify_names_its_shop_by_its_myshopify_domain_only() -> None:
    origin = SHOPIFY.webhook_origin(
        shopify_headers(**{"X-Shopify-Shop-Domain": " Demo.MyShopify.com "})
    )
    assert (origin.shop, origin.signature) == ("demo.myshopify.com", "c2lnbmVk")
    forged = SHOPIFY.webhook_origin(shopify_headers(**{"X-Shopify-Shop-Domain": "evil.example"}))
    assert forged.shop is None


def test_a_shopify_delivery_is_dated_by_its_trigger_time() -> None:
    delivery = SHOPIFY.webhook_delivery(shopify_headers())
    assert (delivery.delivery_id, delivery.topic) == ("delivery-1", "orders/create")
    assert delivery.triggered_at == datetime(2026, 11, 23, 10, 0, 0, 123456, tzinfo=UTC)
    naive = SHOPIFY.webhook_delivery(
        shopify_headers(**{"X-Shopify-Triggered-At": "2026-11-23T10:00:00"})
    )
    assert naive.triggered_at == datetime(2026, 11, 23, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "value", "message"),
    [
        ("X-Shopify-Webhook-Id", "", "the X-Shopify-Webhook-Id header is missing"),
        ("X-Shopify-Topic", "", "the X-Shopify-Topic header is missing"),
        ("X-Shopify-Triggered-At", "", "the X-Shopify-Triggered-At header is missing"),
        ("X-Shopify-Triggered-At", "yesterday", "X-Shopify-Triggered-At header is not an ISO"),
    ],
)
def test_a_shopify_delivery_without_a_readable_header_is_a_bad_request(
    header: str, value: str, message: str
) -> None:
    with pytest.raises(BadRequest, match=message):
        SHOPIFY.webhook_delivery(shopify_headers(**{header: value}))


def test_shopify_is_signed_by_the_app_or_the_shop_woocommerce_by_the_shop() -> None:
    settings = make_settings(shopify_api_secret="current", shopify_old_api_secret="previous")
    assert SHOPIFY.signing_secrets(settings, None) == ["current", "previous", None]
    assert SHOPIFY.signing_secrets(settings, "custom-app") == ["current", "previous", "custom-app"]
    assert WOOCOMMERCE.signing_secrets(settings, "shop-secret") == ["shop-secret"]


def test_woocommerce_names_its_store_by_its_address_and_dates_no_delivery() -> None:
    headers = Headers(
        {
            "X-WC-Webhook-Source": "https://Store.Example/shop/",
            "X-WC-Webhook-Signature": "c2lnbmVk",
            "X-WC-Webhook-Delivery-ID": "7",
            "X-WC-Webhook-Topic": "order.created",
        }
    )
    assert WOOCOMMERCE.webhook_origin(headers).shop == "https://store.example/shop"
    assert WOOCOMMERCE.webhook_delivery(headers).triggered_at is None
    unknown = Headers({"X-WC-Webhook-Source": "ftp://store.example"})
    assert WOOCOMMERCE.webhook_origin(unknown).shop is None


def test_only_woocommerces_unsigned_creation_test_is_a_ping() -> None:
    unsigned, signed = Headers({}), Headers({"X-WC-Webhook-Signature": "c2lnbmVk"})
    assert WOOCOMMERCE.is_ping(b"webhook_id=12", unsigned)
    assert not WOOCOMMERCE.is_ping(b"webhook_id=12", signed)
    assert not WOOCOMMERCE.is_ping(b"webhook_id=twelve", unsigned)
    assert not SHOPIFY.is_ping(b"webhook_id=12", unsigned)
