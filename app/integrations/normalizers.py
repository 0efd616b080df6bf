"""The one door from platform payloads to neutral commerce events."""

from __future__ import annotations

from typing import Any

from app.commerce.events import CheckoutChanged, CommerceEvent, CustomerUpserted, OrderChanged
from app.integrations.shopify import normalize as shopify
from app.integrations.shopify import normalize_graphql as shopify_graphql
from app.integrations.woocommerce import normalize as woocommerce


def commerce_topics(platform: str) -> frozenset[str]:
    """The platform's webhook topics that carry commerce events."""
    return shopify.TOPICS if platform == "shopify" else woocommerce.TOPICS


def normalise(
    platform: str, topic: str, payload: dict[str, Any], shop_currency: str
) -> list[CommerceEvent]:
    if platform == "shopify":
        return shopify.normalise(topic, payload, shop_currency)
    return woocommerce.normalise(topic, payload, shop_currency)


RESOURCES = ("customers", "orders", "checkouts")  # customers first: orders refer to them
_WOO_TOPIC = {"orders": "order.updated", "customers": "customer.updated"}


def normalise_record(
    platform: str, resource: str, record: dict[str, Any], shop_currency: str
) -> list[CommerceEvent]:
    """A record from `StoreClient.list_<resource>` (reconciliation, backfill) as events."""
    if platform == "shopify":
        return _shopify_record(resource, record, shop_currency)
    if resource == "checkouts":  # WooCommerce's checkouts are draft orders
        return woocommerce.normalise("order.updated", record, shop_currency)
    return woocommerce.normalise(_WOO_TOPIC[resource], record, shop_currency)


def _shopify_record(
    resource: str, record: dict[str, Any], shop_currency: str
) -> list[CommerceEvent]:
    if resource == "orders":
        return [OrderChanged(shopify_graphql.order(record, shop_currency))]
    if resource == "checkouts":
        return [CheckoutChanged(shopify_graphql.checkout(record, shop_currency))]
    return [CustomerUpserted(shopify_graphql.customer(record))]
