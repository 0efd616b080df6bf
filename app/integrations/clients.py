"""The one place that picks a platform's `StoreClient` for a connection."""

from __future__ import annotations

import httpx

from app.config import Settings
from app.integrations.base import StoreClient, StoreConnection
from app.integrations.shopify.client import ShopifyStoreClient
from app.integrations.shopify.oauth import ShopifyApp
from app.integrations.woocommerce.client import WooCommerceStoreClient


def shopify_app(settings: Settings) -> ShopifyApp:
    return ShopifyApp(
        api_key=settings.shopify_api_key,
        api_secret=settings.shopify_api_secret.get_secret_value(),
        admin_url_template=settings.shopify_admin_url,
    )


def client_for(
    connection: StoreConnection, http: httpx.AsyncClient, settings: Settings
) -> StoreClient:
    if connection.platform == "shopify":
        return ShopifyStoreClient(
            connection, http, shopify_app(settings), settings.shopify_api_version
        )
    if connection.platform == "woocommerce":
        return WooCommerceStoreClient(connection, http)
    raise ValueError(f"unknown platform {connection.platform!r}")
