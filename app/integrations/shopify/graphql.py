"""Shopify Admin GraphQL over the runtime's httpx client, within the shop's cost budget.

Shopify meters GraphQL by query cost (a leaky bucket per shop, ~100 points/s on standard plans).
A THROTTLED answer carries `extensions.cost`: we wait until the bucket holds the query's cost,
then ask again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from app.integrations import http as store_http
from app.integrations.base import StoreRejected, StoreUnavailable
from app.integrations.shopify.oauth import ShopifyApp

logger = logging.getLogger(__name__)

MAX_THROTTLED_TRIES = 6
MIN_THROTTLE_WAIT_S = 1.0

TokenProvider = Callable[[], Awaitable[str]]


class ShopifyGraphQL:
    def __init__(
        self,
        http: httpx.AsyncClient,
        app: ShopifyApp,
        shop: str,
        api_version: str,
        access_token: TokenProvider,
        sleep: store_http.Sleep = asyncio.sleep,
    ) -> None:
        self._http = http
        self._url = app.admin_url(shop, f"/admin/api/{api_version}/graphql.json")
        self._shop = shop
        self._access_token = access_token
        self._sleep = sleep

    async def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of a successful answer; StoreRejected for GraphQL errors."""
        for _ in range(MAX_THROTTLED_TRIES):
            body = await self._post(query, variables or {})
            wait = throttle_wait_seconds(body)
            if wait is None:
                return _data(body, self._shop)
            logger.info("Shopify throttled %s; waiting %.1fs", self._shop, wait)
            await self._sleep(wait)
        raise StoreUnavailable(f"Shopify kept throttling {self._shop}; try again later")

    async def _post(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        token = await self._access_token()
        request = self._http.build_request(
            "POST",
            self._url,
            json={"query": query, "variables": variables},
            headers={"X-Shopify-Access-Token": token, "Accept": "application/json"},
        )
        response = await store_http.send(self._http, request)
        if response.status_code != 200:
            raise StoreRejected(f"Shopify GraphQL answered {response.status_code} for {self._shop}")
        body = response.json()
        if not isinstance(body, dict):
            raise StoreRejected("Shopify GraphQL answered with something other than an object")
        return body


def throttle_wait_seconds(body: dict[str, Any]) -> float | None:
    """Seconds to wait before retrying a THROTTLED answer; None when it was not throttled."""
    errors = body.get("errors") or []
    if not any(_error_code(error) == "THROTTLED" for error in errors):
        return None
    cost = (body.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    try:
        missing = float(cost["requestedQueryCost"]) - float(status["currentlyAvailable"])
        return max(missing / float(status["restoreRate"]), MIN_THROTTLE_WAIT_S)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return MIN_THROTTLE_WAIT_S


def _error_code(error: object) -> str | None:
    if isinstance(error, dict):
        code = (error.get("extensions") or {}).get("code")
        return str(code) if code else None
    return None


def _data(body: dict[str, Any], shop: str) -> dict[str, Any]:
    errors = body.get("errors")
    if errors:
        messages = "; ".join(
            str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors
        )
        raise StoreRejected(f"Shopify GraphQL error for {shop}: {messages}")
    data = body.get("data")
    if not isinstance(data, dict):
        raise StoreRejected(f"Shopify GraphQL answered without data for {shop}")
    return data
