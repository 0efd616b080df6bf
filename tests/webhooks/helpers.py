from __future__ import annotations

from app.crypto import Vault
from app.integrations.base import ShopInfo
from app.integrations.platforms import Platform
from app.integrations.shopify.credentials import ShopifyCredentials
from app.integrations.woocommerce.credentials import WooCommerceCredentials
from app.shops import service
from app.shops.models import Shop
from tests.fixtures.stores import Connected

WOO_SECRET = "woo-webhook-secret-of-our-own-making-0123456789"
SHOPIFY_INFO = ShopInfo(name="Test shop", currency="EUR", timezone="Europe/Berlin")
WOO_INFO = ShopInfo(name="Test store", currency="GBP", timezone="Europe/London")


async def install(connected: Connected, domain: str, platform: Platform = Platform.SHOPIFY) -> Shop:
    """A connected shop; a WooCommerce one holds the fake store's real REST keys."""
    woo = platform is Platform.WOOCOMMERCE
    credentials = (
        WooCommerceCredentials(
            connected.woocommerce.consumer_key, connected.woocommerce.consumer_secret
        )
        if woo
        else ShopifyCredentials(access_token="shpat_x", scope="")
    )
    if not woo:
        connected.shopify.issued_tokens.append("shpat_x")  # the store knows the token it gave
    runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        return await service.install(
            session,
            Vault.from_settings(runtime.settings),
            platform=platform,
            domain=domain,
            credentials=credentials.to_json(),
            scopes="read_orders",
            webhook_secret=WOO_SECRET if woo else None,
            info=WOO_INFO if woo else SHOPIFY_INFO,
        )
