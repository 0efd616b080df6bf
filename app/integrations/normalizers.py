"""The one door from platform payloads to neutral commerce events."""

from __future__ import annotations

from typing import Any

from app.commerce.events import CommerceEvent
from app.integrations.shopify import normalize as shopify
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
