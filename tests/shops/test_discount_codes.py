"""Single-use discount codes for one customer, created through the store's API."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from app.db import utcnow
from app.integrations.base import DiscountCodeRequest, DiscountKind, StoreClient
from app.integrations.clients import client_for
from app.integrations.platforms import Platform
from app.shops import service
from app.shops.models import Shop
from tests.fixtures.stores import Connected
from tests.webhooks.helpers import install


def request(
    kind: DiscountKind, value: str, expires_at: datetime | None = None
) -> DiscountCodeRequest:
    """A code expiring in three days from when the test runs (or at `expires_at`)."""
    return DiscountCodeRequest(
        code="COMEBACK-7Q2X",
        kind=kind,
        value=Decimal(value),
        customer_email="lena@example.com",
        customer_id="7523148894362",
        expires_at=expires_at or utcnow() + timedelta(days=3),
    )


async def client(connected: Connected, shop: Shop) -> StoreClient:
    runtime = connected.app.state.runtime
    return client_for(service.connection_for(runtime, shop), runtime.http, runtime.settings)


async def test_shopify_code_is_single_use_for_one_customer(connected: Connected) -> None:
    shop = await install(connected, "offers.myshopify.com")
    connected.shopify.issued_tokens.append("shpat_x")

    expires = utcnow() + timedelta(days=3)
    code = await (await client(connected, shop)).create_discount_code(
        request(DiscountKind.PERCENTAGE, "15", expires)
    )

    assert code.code == "COMEBACK-7Q2X"
    [sent] = connected.shopify.shop("offers.myshopify.com").discounts
    assert sent["usageLimit"] == 1
    assert sent["appliesOncePerCustomer"] is True
    assert sent["context"] == {"customers": {"add": ["gid://shopify/Customer/7523148894362"]}}
    assert sent["customerGets"]["value"] == {"percentage": 0.15}
    assert sent["endsAt"] == expires.isoformat()


async def test_woocommerce_coupon_is_restricted_to_the_customers_email(
    connected: Connected,
) -> None:
    shop = await install(connected, "https://store.example", Platform.WOOCOMMERCE)

    code = await (await client(connected, shop)).create_discount_code(
        request(DiscountKind.FIXED_AMOUNT, "10.00")
    )

    [coupon] = connected.woocommerce.coupons
    assert code.platform_id == str(coupon["id"])
    assert coupon["discount_type"] == "fixed_cart"
    assert coupon["amount"] == "10.00"
    assert coupon["usage_limit"] == 1
    assert coupon["email_restrictions"] == ["lena@example.com"]
