"""WooCommerce, as the rest of StoreOKR sees it: one entry of the platform adapter table
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
from app.integrations.events import CommerceEvent
from app.integrations.headers import required_header
from app.integrations.woocommerce import normalize
from app.integrations.woocommerce.checkout_links import checkout_link
from app.integrations.woocommerce.client import WEBHOOK_TOPICS, WooCommerceStoreClient
from app.integrations.woocommerce.urls import normalise_store_url

SIGNATURE = "X-WC-Webhook-Signature"
# A listed record is read as the webhook that carries the same resource; WooCommerce's open
# checkouts are `checkout-draft` orders.
_RECORD_TOPICS = {
    "customers": "customer.updated",
    "orders": "order.updated",
    "checkouts": "order.updated",
}


class WooCommerceAdapter:
    # What StoreOKR subscribes, and the carts an abandoned-cart plugin sends when the store
    # runs one.
    topics = frozenset(WEBHOOK_TOPICS) | normalize.CART_TOPICS
    commerce_topics = normalize.TOPICS

    def is_ping(self, body: bytes, headers: Mapping[str, str]) -> bool:
        """WooCommerce's unsigned test on creating a webhook (`webhook_id=<n>`): answered 200,
        or WooCommerce would not save the webhook."""
        unsigned = not headers.get(SIGNATURE)
        return unsigned and body.startswith(b"webhook_id=") and body[11:].isdigit()

    def webhook_origin(self, headers: Mapping[str, str]) -> WebhookOrigin:
        # The store names itself so in X-WC-Webhook-Source (`home_url('/')`).
        store = normalise_store_url(headers.get("X-WC-Webhook-Source", ""))
        return WebhookOrigin(shop=store, signature=headers.get(SIGNATURE))

    def signing_secrets(self, settings: Settings, shop_secret: str | None) -> list[str | None]:
        return [shop_secret]  # the secret StoreOKR gave the shop's webhooks, nothing else

    def webhook_delivery(self, headers: Mapping[str, str]) -> WebhookDelivery:
        """WooCommerce dates no delivery, so a replay cannot be told by its age: the inbox's
        unique delivery id and the mirror's newest-update-wins writes make one change nothing
        (README)."""
        return WebhookDelivery(
            delivery_id=required_header(headers, "X-WC-Webhook-Delivery-ID"),
            topic=required_header(headers, "X-WC-Webhook-Topic"),
            triggered_at=None,
        )

    def normalise(
        self, topic: str, payload: dict[str, Any], shop_currency: str
    ) -> list[CommerceEvent]:
        return normalize.normalise(topic, payload, shop_currency)

    def normalise_record(
        self, resource: str, record: dict[str, Any], shop_currency: str
    ) -> list[CommerceEvent]:
        return normalize.normalise(_RECORD_TOPICS[resource], record, shop_currency)

    def client(
        self, connection: StoreConnection, http: httpx.AsyncClient, settings: Settings
    ) -> StoreClient:
        return WooCommerceStoreClient(connection, http)

    def cart_url(
        self, store: str, items: Sequence[CartItem], params: Sequence[tuple[str, str]]
    ) -> str | None:
        return checkout_link(store, items, params)
