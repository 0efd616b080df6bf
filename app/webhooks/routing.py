"""Which code handles which platform topic: the one table of topics StoreOKR uses. A topic
not listed here is stored as ignored when it arrives."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from app.commerce import webhooks as commerce
from app.integrations.normalizers import commerce_topics
from app.privacy import webhooks as privacy
from app.shops import webhooks as installation
from app.shops.models import Platform, Shop
from app.worker import JobContext

Handler = Callable[[JobContext, Shop, str, dict[str, Any]], Awaitable[None]]

TOPIC_HANDLERS: dict[tuple[Platform, str], Handler] = {
    (Platform.SHOPIFY, "app/uninstalled"): installation.app_uninstalled,
    (Platform.SHOPIFY, "customers/data_request"): privacy.customers_data_request,
    (Platform.SHOPIFY, "customers/redact"): privacy.customers_redact,
    (Platform.SHOPIFY, "shop/redact"): privacy.shop_redact,
    **{
        (platform, topic): commerce.handle
        for platform in Platform
        for topic in commerce_topics(platform.value)
    },
}


def handler_for(platform: Platform, topic: str) -> Handler | None:
    return TOPIC_HANDLERS.get((platform, topic))


def burst_topics(platform: Platform) -> frozenset[str]:
    """Topics whose deliveries may be applied together (`webhooks.service.process`)."""
    return commerce_topics(platform.value)
