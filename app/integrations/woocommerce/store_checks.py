"""What the connect flow asks a store before trusting it: that the address is a WooCommerce
store (before a browser is sent there), and that the keys delivered for it work (before they
are stored). Both go through the runtime's HTTP client, under its outbound address policy."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from app.errors import BadRequest
from app.integrations import http as store_http
from app.integrations.base import (
    Refresher,
    ShopInfo,
    StoreConnection,
    StoreRejected,
    StoreUnauthorized,
    StoreUnavailable,
)
from app.integrations.woocommerce.client import WooCommerceStoreClient
from app.integrations.woocommerce.credentials import WooCommerceCredentials

logger = logging.getLogger(__name__)

# The REST namespace of WooCommerce's API v3, listed in the WordPress REST index of a store.
WOOCOMMERCE_NAMESPACE = "wc/v3"
# A merchant is waiting on the answer: one retry, not the jobs' patient schedule.
PROBE_ATTEMPTS = 2


async def require_woocommerce_store(http: httpx.AsyncClient, store: str) -> None:
    """Refuse (400) an address whose public REST index (`{store}/wp-json/`, read without
    credentials) does not list WooCommerce's `wc/v3` namespace: `connect` redirects a browser
    only to a store that is being connected, never to any address it was given."""
    try:
        namespaces = await _rest_namespaces(http, store)
    except StoreUnavailable as error:
        raise BadRequest(
            f"{store} did not answer: check the address and that the store is online",
            details={"store_url": store},
        ) from error
    if WOOCOMMERCE_NAMESPACE not in namespaces:
        raise BadRequest(
            f"this address is not a WooCommerce store: {store}/wp-json/ does not offer the "
            "WooCommerce REST API. Check the address (with https:// and the folder WordPress "
            "is installed in, if any) and that WooCommerce is active",
            details={"store_url": store},
        )


async def _rest_namespaces(http: httpx.AsyncClient, store: str) -> list[str]:
    """The `namespaces` of the store's WordPress REST index; empty when it has none to show."""
    request = http.build_request("GET", f"{store}/wp-json/", headers={"Accept": "application/json"})
    try:
        response = await store_http.send(http, request, attempts=PROBE_ATTEMPTS)
    except StoreUnauthorized:
        return []  # the index is public on every WooCommerce store
    if response.status_code != 200:
        return []
    try:
        body: Any = response.json()
    except ValueError:
        return []
    namespaces = body.get("namespaces") if isinstance(body, dict) else None
    if not isinstance(namespaces, list):
        return []
    return [name for name in namespaces if isinstance(name, str)]


async def shop_info_with_keys(
    http: httpx.AsyncClient, store: str, credentials: WooCommerceCredentials
) -> ShopInfo:
    """The store's details, read with the keys just delivered for it: proof that the store
    made them, not whoever posted them to our callback. Keys it refuses are a 400."""
    client = WooCommerceStoreClient(_candidate_connection(store, credentials), http)
    try:
        return await client.shop_info()
    except (StoreUnauthorized, StoreRejected, ValueError) as error:
        # ValueError: an answer that is not JSON. The store's own words stay out of the answer
        # and the log (they may echo a key).
        logger.info("keys delivered for %s were refused by it: %s", store, type(error).__name__)
        raise BadRequest(
            f"{store} did not accept the API keys sent for it, so nothing was connected: "
            "start the connection again from StoreOKR and approve it in the store's admin",
            details={"store_url": store},
        ) from error


def _candidate_connection(store: str, credentials: WooCommerceCredentials) -> StoreConnection:
    """A connection for keys not stored yet (no shop row: id 0), to try them on the store."""
    return StoreConnection(
        shop_id=0,
        platform="woocommerce",
        domain=store,
        credentials=credentials.to_json(),
        webhook_secret=None,
        refresh_credentials=_keys_do_not_refresh,
    )


async def _keys_do_not_refresh(refresher: Refresher) -> str:
    # WooCommerce REST keys last until revoked; its client never asks for fresh ones.
    raise StoreUnauthorized("WooCommerce API keys are not refreshed: reconnect the store")
