"""The platform adapter table: everything StoreOKR does differently per platform, behind one
interface. A new platform is a folder under `app/integrations/` with its adapter, and one line
in `ADAPTERS`; the webhook receiver, the ingest path and the store clients read this table
instead of asking which platform they hold."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Protocol

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
from app.integrations.platforms import Platform
from app.integrations.shopify.adapter import ShopifyAdapter
from app.integrations.woocommerce.adapter import WooCommerceAdapter


class PlatformAdapter(Protocol):
    @property
    def topics(self) -> frozenset[str]:
        """Every webhook topic StoreOKR receives from the platform; `app/wiring.py` gives each
        one a handler."""
        ...

    @property
    def commerce_topics(self) -> frozenset[str]:
        """The topics whose payloads `normalise` reads."""
        ...

    def is_ping(self, body: bytes, headers: Mapping[str, str]) -> bool:
        """An unsigned test the platform sends when a webhook is created, to be answered 200
        without storing anything."""
        ...

    def webhook_origin(self, headers: Mapping[str, str]) -> WebhookOrigin:
        """The shop a webhook says it comes from, and its signature."""
        ...

    def signing_secrets(self, settings: Settings, shop_secret: str | None) -> list[str | None]:
        """The secrets any one of which signs a genuine delivery of the shop whose own
        webhook secret is `shop_secret`."""
        ...

    def webhook_delivery(self, headers: Mapping[str, str]) -> WebhookDelivery:
        """The delivery's id, topic and time, read once its signature is verified (400 for a
        header that is missing or unreadable)."""
        ...

    def normalise(
        self, topic: str, payload: dict[str, Any], shop_currency: str
    ) -> list[CommerceEvent]:
        """A webhook payload as neutral events (`NormalisationError` for one it cannot read)."""
        ...

    def normalise_record(
        self, resource: str, record: dict[str, Any], shop_currency: str
    ) -> list[CommerceEvent]:
        """A record from `StoreClient.list_<resource>` (reconciliation, backfill) as events."""
        ...

    def client(
        self, connection: StoreConnection, http: httpx.AsyncClient, settings: Settings
    ) -> StoreClient:
        """The client that talks to the connected store's API."""
        ...

    def cart_url(
        self, store: str, items: Sequence[CartItem], params: Sequence[tuple[str, str]]
    ) -> str | None:
        """The store's address that fills a new cart with `items` and opens its checkout,
        keeping `params` (our marker) in the address the checkout opens on; None where the
        platform gives each abandoned checkout a recovery link of its own."""
        ...


ADAPTERS: Mapping[Platform, PlatformAdapter] = MappingProxyType(
    {
        Platform.SHOPIFY: ShopifyAdapter(),
        Platform.WOOCOMMERCE: WooCommerceAdapter(),
    }
)


def adapter_for(platform: str) -> PlatformAdapter:
    """The adapter of a `Platform`, or of its value (as a `StoreConnection` carries it)."""
    try:
        return ADAPTERS[Platform(platform)]
    except (KeyError, ValueError):
        raise ValueError(f"unknown platform {platform!r}") from None
