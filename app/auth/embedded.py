"""Embedded Shopify requests: the App Bridge session token names the shop; a shop we do not
hold yet (or that uninstalled) is installed on the spot by token exchange."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from app.crypto import Vault
from app.integrations.platforms import Platform
from app.integrations.shopify import oauth
from app.integrations.shopify.oauth import shopify_app
from app.integrations.shopify.session_token import verify_session_token
from app.runtime import Runtime
from app.shops import repository, service
from app.shops.models import Shop, ShopStatus
from app.shops.tasks import enqueue_connect


async def shop_from_session_token(runtime: Runtime, session: AsyncSession, token: str) -> Shop:
    settings = runtime.settings
    claims = verify_session_token(token, settings.shopify_api_key, settings.shopify_api_secrets)
    shop = await repository.find_shop(session, Platform.SHOPIFY, claims.shop)
    if shop is not None and shop.status is ShopStatus.ACTIVE and shop.credentials_ciphertext:
        return shop
    credentials = await oauth.exchange_session_token(
        runtime.http, shopify_app(settings), claims.shop, token
    )
    shop = await service.install(
        session,
        Vault.from_settings(settings),
        platform=Platform.SHOPIFY,
        domain=claims.shop,
        credentials=credentials.to_json(),
        scopes=credentials.scope,
    )
    enqueue_connect(session, shop)
    return shop
