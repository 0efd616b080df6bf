"""The topic table webhooks hold: a topic is taken by one handler or one burst, never two."""

from __future__ import annotations

from typing import Any

import pytest

from app.integrations.platforms import Platform
from app.shops.models import Shop
from app.topic_routing import Burst, TopicRouting


async def handler(ctx: object, shop: Shop, topic: str, payload: dict[str, Any]) -> None:
    """Never called: these tests read the table."""


async def apply(ctx: object, shop: Shop, prepared: list[str]) -> None:
    """Never called: these tests read the table."""


def prepare(shop: Shop, topic: str, payload: dict[str, Any]) -> str:
    return topic


BURST = Burst(prepare=prepare, apply=apply)


def test_a_topic_nobody_took_is_not_used() -> None:
    routing: TopicRouting[Shop] = TopicRouting()
    routing.handle(Platform.SHOPIFY, "app/uninstalled", handler)
    assert routing.uses(Platform.SHOPIFY, "app/uninstalled")
    assert not routing.uses(Platform.SHOPIFY, "products/create")
    assert not routing.uses(Platform.WOOCOMMERCE, "app/uninstalled")  # per platform


def test_the_topics_of_a_burst_are_applied_together() -> None:
    routing: TopicRouting[Shop] = TopicRouting()
    routing.handle_in_bursts(Platform.WOOCOMMERCE, ["order.created", "order.updated"], BURST)
    route = routing.burst_for(Platform.WOOCOMMERCE, "order.updated")
    assert route is not None
    assert route.topics == {"order.created", "order.updated"}
    assert routing.handler_for(Platform.WOOCOMMERCE, "order.updated") is None
    assert routing.topics(Platform.WOOCOMMERCE) == {"order.created", "order.updated"}


def test_a_topic_taken_twice_is_refused_at_start_up() -> None:
    routing: TopicRouting[Shop] = TopicRouting()
    routing.handle_in_bursts(Platform.SHOPIFY, ["orders/create"], BURST)
    with pytest.raises(ValueError, match="'orders/create' is routed twice"):
        routing.handle(Platform.SHOPIFY, "orders/create", handler)
