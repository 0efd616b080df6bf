"""Shopify, as the rest of StoreOKR sees it: one entry of the platform adapter table
(`app.integrations.adapters`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from app.config import Settings
from app.integrations.base import (
    CartItem,
    StoreClient,
    StoreConnection,
    WebhookDelivery,
    WebhookOrigin,
)
from app.integrations.events import CheckoutChanged, CommerceEvent, CustomerUpserted, OrderChanged
from app.integrations.headers import header_time, required_header
from app.integrations.shopify import normalize, normalize_graphql
from app.integrations.shopify.client import WEBHOOK_TOPICS, ShopifyStoreClient
from app.integrations.shopify.domains import is_shop_domain
from app.integrations.shopify.oauth import shopify_app

# The mandatory privacy topics: declared in shopify.app.toml, never subscribed through the API.
COMPLIANCE_TOPICS = frozenset({"customers/data_request", "customers/redact", "shop/redact"})


class ShopifyAdapter:
    topics = frozenset(WEBHOOK_TOPICS) | COMPLIANCE_TOPICS
    commerce_topics = normalize.TOPICS

    def is_ping(self, body: bytes, headers: Mapping[str, str]) -> bool:
        return False  # Shopify sends no unsigned test delivery

    def webhook_origin(self, headers: Mapping[str, str]) -> WebhookOrigin:
        domain = headers.get("X-Shopify-Shop-Domain", "").strip().lower()
        return WebhookOrigin(
            shop=domain if is_shop_domain(domain) else None,
            signature=headers.get("X-Shopify-Hmac-Sha256"),
        )

    def signing_secrets(self, settings: Settings, shop_secret: str | None) -> list[str | None]:
        # The app's secret signs a public app's webhooks (the old one too, during a rotation);
        # a custom app's own secret signs its own.
        return [*settings.shopify_api_secrets, shop_secret]

    def webhook_delivery(self, headers: Mapping[str, str]) -> WebhookDelivery:
        """Every delivery of Shopify's own is dated (X-Shopify-Triggered-At): a missing or
        unreadable time is 400. The header is not under the signature: the replay window
        refuses a delivery replayed as captured, not one whose header was rewritten — the
        inbox's unique delivery id and the mirror's newest-wins writes stand behind it."""
        return WebhookDelivery(
            delivery_id=required_header(headers, "X-Shopify-Webhook-Id"),
            topic=required_header(headers, "X-Shopify-Topic"),
            triggered_at=header_time(headers, "X-Shopify-Triggered-At"),
        )

    def normalise(
        self, topic: str, payload: dict[str, Any], shop_currency: str
    ) -> list[CommerceEvent]:
        return normalize.normalise(topic, payload, shop_currency)

    def normalise_record(
        self, resource: str, record: dict[str, Any], shop_currency: str
    ) -> list[CommerceEvent]:
        """Records come from Admin GraphQL, shaped unlike the webhooks' REST payloads."""
        if resource == "orders":
            return [OrderChanged(normalize_graphql.order(record, shop_currency))]
        if resource == "checkouts":
            return [CheckoutChanged(normalize_graphql.checkout(record, shop_currency))]
        return [CustomerUpserted(normalize_graphql.customer(record))]

    def client(
        self, connection: StoreConnection, http: httpx.AsyncClient, settings: Settings
    ) -> StoreClient:
        return ShopifyStoreClient(
            connection, http, shopify_app(settings), settings.shopify_api_version
        )

    def cart_url(
        self, store: str, items: Sequence[CartItem], params: Sequence[tuple[str, str]]
    ) -> str | None:
        return None  # each abandoned checkout has its own recovery URL (`abandoned_checkout_url`)
