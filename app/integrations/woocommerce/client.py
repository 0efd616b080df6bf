"""`StoreClient` for WooCommerce, over REST API v3 (`{store}/wp-json/wc/v3/`)."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx

from app.integrations import http as store_http
from app.integrations.base import (
    DiscountCode,
    DiscountCodeRequest,
    DiscountCodeTaken,
    DiscountKind,
    Page,
    ShopInfo,
    StoreConnection,
    StoreRejected,
    WebhookSubscription,
)
from app.integrations.events import Refund
from app.integrations.woocommerce import normalize
from app.integrations.woocommerce.credentials import WooCommerceCredentials
from app.integrations.woocommerce.signing import authenticate

logger = logging.getLogger(__name__)

WEBHOOK_TOPICS = (
    "order.created",
    "order.updated",
    "order.deleted",
    "order.restored",
    "customer.created",
    "customer.updated",
)
PAGE_SIZE = 100
# Pages of orders read at once in a backfill: a WooCommerce store is often one small PHP host,
# and each request costs it a full WordPress start; four keep it busy without crowding it.
CONCURRENT_PAGES = 4


class WooCommerceStoreClient:
    def __init__(self, connection: StoreConnection, http: httpx.AsyncClient) -> None:
        self._connection = connection
        self._http = http
        self._credentials = WooCommerceCredentials.from_json(connection.credentials)
        self._api = connection.domain.rstrip("/") + "/wp-json/wc/v3"

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: object = None,
    ) -> httpx.Response:
        response = await self._send(method, path, params=params, json=json)
        if response.status_code >= 400:
            raise self._rejected(method, path, response)
        return response

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: object = None,
    ) -> httpx.Response:
        request = self._http.build_request(
            method,
            f"{self._api}/{path}",
            params=params,
            json=json,
            headers={"Accept": "application/json"},
        )
        return await store_http.send(self._http, authenticate(request, self._credentials))

    @staticmethod
    def _rejected(method: str, path: str, response: httpx.Response) -> StoreRejected:
        # The status and our own words only: the store's body is not ours to show a merchant
        # or keep in the logs.
        return StoreRejected(
            f"WooCommerce answered {response.status_code} to {method} {path}"
            f" ({store_http.status_reason(response.status_code)})"
        )

    async def shop_info(self) -> ShopInfo:
        general = (await self._call("GET", "settings/general")).json()
        values = {item["id"]: item.get("value") for item in general if isinstance(item, dict)}
        site = await self._site_index()
        return ShopInfo(
            name=str(site.get("name") or self._connection.domain),
            currency=str(values.get("woocommerce_currency") or "USD"),
            timezone=site_timezone(site),
            email=values.get("woocommerce_email_from_address"),
        )

    async def _site_index(self) -> dict[str, Any]:
        # The WordPress index holds the site's name and time zone. It is public, and
        # WooCommerce 11.1+ refuses WooCommerce API keys outside wc/ routes: no credentials.
        url = self._connection.domain.rstrip("/") + "/wp-json/"
        request = self._http.build_request("GET", url, headers={"Accept": "application/json"})
        response = await store_http.send(self._http, request)
        body = response.json() if response.status_code == 200 else {}
        return body if isinstance(body, dict) else {}

    async def register_webhooks(self, address: str) -> list[WebhookSubscription]:
        """One active webhook of ours per topic, however the store left them: a missing one is
        created, one WooCommerce disabled (after 5 failed deliveries) is re-activated with our
        secret, and extra ones for the same topic are deleted, so that none is ever doubled.
        One a merchant paused is left paused: that was their choice."""
        secret = self._connection.webhook_secret
        if not secret:
            raise StoreRejected("this WooCommerce shop has no webhook secret; reconnect it")
        existing = (await self._call("GET", "webhooks", params={"per_page": 100})).json()
        ours: dict[str, list[dict[str, Any]]] = {}
        for hook in existing:
            if hook.get("delivery_url") == address:
                ours.setdefault(str(hook.get("topic")), []).append(hook)
        return [
            WebhookSubscription(
                topic, address, await self._one_webhook(topic, address, secret, ours.get(topic, []))
            )
            for topic in WEBHOOK_TOPICS
        ]

    async def _one_webhook(
        self, topic: str, address: str, secret: str, hooks: list[dict[str, Any]]
    ) -> bool:
        """Whether the topic's webhook had to be put back."""
        if not hooks:
            body = {
                "name": f"StoreOKR {topic}",
                "topic": topic,
                "delivery_url": address,
                "secret": secret,
                "status": "active",
            }
            await self._call("POST", "webhooks", json=body)
            return True
        # Keep an active one if there is one, else the oldest; the rest are duplicates.
        keep = next((hook for hook in hooks if hook.get("status") == "active"), hooks[0])
        store = self._connection.domain
        if keep.get("status") == "disabled":
            update = {"status": "active", "secret": secret}
            await self._call("PUT", f"webhooks/{keep['id']}", json=update)
            logger.info(
                "re-activated the disabled %s webhook of %s", topic, self._connection.domain
            )
        for extra in hooks:
            if extra is not keep:
                await self._call("DELETE", f"webhooks/{extra['id']}", params={"force": "true"})
                logger.info("deleted a duplicate %s webhook of %s", topic, store)
        return keep.get("status") == "disabled" or len(hooks) > 1

    async def list_orders(self, updated_since: datetime, cursor: str | None = None) -> Page:
        return await self._page("orders", updated_since, cursor)

    async def list_checkouts(self, updated_since: datetime, cursor: str | None = None) -> Page:
        # Core WooCommerce keeps an open block checkout as a `checkout-draft` order.
        return await self._page("orders", updated_since, cursor, status="checkout-draft")

    async def list_customers(self, updated_since: datetime, cursor: str | None = None) -> Page:
        return await self._page("customers", updated_since, cursor)

    async def count_orders(self, updated_since: datetime) -> int:
        response = await self._listing("orders", updated_since, 1, per_page=1)
        return int(response.headers.get("X-WP-Total", "0") or 0)

    async def export_orders(self, updated_since: datetime) -> AsyncIterator[dict[str, Any]]:
        """Every order updated since then: the first page says how many pages there are, the
        others are read a few at a time (`CONCURRENT_PAGES`) and handed over in page order."""
        first = await self._listing("orders", updated_since, 1)
        for record in first.json():
            yield record
        pages = int(first.headers.get("X-WP-TotalPages", "1") or 1)
        room = asyncio.Semaphore(CONCURRENT_PAGES)

        async def read(page: int) -> list[dict[str, Any]]:
            async with room:
                records: list[dict[str, Any]] = (
                    await self._listing("orders", updated_since, page)
                ).json()
                return records

        # Tasks for a window of pages ahead, not all at once: memory stays a few pages.
        ahead: deque[asyncio.Task[list[dict[str, Any]]]] = deque()
        try:
            for page in range(2, pages + 1):
                ahead.append(asyncio.create_task(read(page)))
                if len(ahead) > 2 * CONCURRENT_PAGES:
                    for record in await ahead.popleft():
                        yield record
            while ahead:
                for record in await ahead.popleft():
                    yield record
        finally:
            for task in ahead:
                task.cancel()

    async def _page(
        self, path: str, updated_since: datetime, cursor: str | None, **filters: str
    ) -> Page:
        page = int(cursor or 1)
        response = await self._listing(path, updated_since, page, filters=filters)
        total_pages = int(response.headers.get("X-WP-TotalPages", "1") or 1)
        return Page(response.json(), str(page + 1) if page < total_pages else None)

    async def _listing(
        self,
        path: str,
        updated_since: datetime,
        page: int,
        per_page: int = PAGE_SIZE,
        filters: dict[str, str] | None = None,
    ) -> httpx.Response:
        params = {
            "modified_after": updated_since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "dates_are_gmt": "true",
            "per_page": per_page,
            "page": page,
            "orderby": "modified" if path == "orders" else "id",
            "order": "asc",
            **(filters or {}),
        }
        return await self._call("GET", path, params=params)

    async def fetch_refunds(self, order_platform_id: str) -> list[Refund]:
        response = await self._call(
            "GET", f"orders/{order_platform_id}/refunds", params={"per_page": 100}
        )
        return [normalize.refund(item, order_platform_id) for item in response.json()]

    async def create_discount_code(self, request: DiscountCodeRequest) -> DiscountCode:
        body = {
            "code": request.code,
            "discount_type": "percent" if request.kind is DiscountKind.PERCENTAGE else "fixed_cart",
            "amount": str(request.value),
            "individual_use": True,
            "usage_limit": 1,
            "usage_limit_per_user": 1,
            "email_restrictions": [request.customer_email],
            "date_expires_gmt": request.expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "description": request.title,
        }
        response = await self._send("POST", "coupons", json=body)
        if response.status_code == 400 and _error_code(response) == COUPON_EXISTS:
            raise DiscountCodeTaken(f"WooCommerce already holds coupon {request.code}")
        if response.status_code >= 400:
            raise self._rejected("POST", "coupons", response)
        coupon = response.json()
        return DiscountCode(str(coupon["code"]), str(coupon["id"]))


# WC_REST_Coupons_Controller refuses a code the store already holds (codes are unique, and
# WooCommerce compares them in lower case) with this error code and a 400.
COUPON_EXISTS = "woocommerce_rest_coupon_code_already_exists"


def _error_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return str(body.get("code")) if isinstance(body, dict) else None


def site_timezone(site: dict[str, Any]) -> str:
    """The store's IANA time zone from the WordPress index: `timezone_string`, or a whole-hour
    `gmt_offset` as `Etc/GMT∓N` (POSIX signs are inverted); UTC when neither fits."""
    name = site.get("timezone_string")
    if isinstance(name, str) and name:
        return name
    try:
        offset = float(site.get("gmt_offset") or 0)
    except (TypeError, ValueError):
        return "UTC"
    if offset == 0 or not offset.is_integer():
        return "UTC"
    return f"Etc/GMT{-int(offset):+d}"
