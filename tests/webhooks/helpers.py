from __future__ import annotations

from app.crypto import Vault
from app.integrations.base import ShopInfo
from app.shops import service
from app.shops.models import Platform, Shop
from tests.fixtures.stores import Connected

WOO_SECRET = "woo-webhook-secret-of-our-own-making-0123456789"


async def install(connected: Connected, domain: str, platform: Platform = Platform.SHOPIFY) -> Shop:
    runtime = connected.app.state.runtime
    async with runtime.transaction() as session:
        return await service.install(
            session,
            Vault.from_settings(runtime.settings),
            platform=platform,
            domain=domain,
            credentials='{"access_token": "shpat_x", "scope": ""}',
            scopes="read_orders",
            webhook_secret=WOO_SECRET if platform is Platform.WOOCOMMERCE else None,
            info=ShopInfo(name="Test shop", currency="EUR", timezone="Europe/Berlin"),
        )
