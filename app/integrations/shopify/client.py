"""`StoreClient` for Shopify, over Admin GraphQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from app.db import utcnow
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
from app.integrations.events import Refund, RefundLine
from app.integrations.shopify import bulk, oauth, queries
from app.integrations.shopify.credentials import ShopifyCredentials
from app.integrations.shopify.graphql import ShopifyGraphQL
from app.integrations.shopify.oauth import ShopifyApp

# Webhook topics StoreOKR subscribes through the API (header spelling → GraphQL enum). The
# mandatory compliance topics are declared in shopify.app.toml: the API cannot subscribe them.
WEBHOOK_TOPICS = {
    "orders/create": "ORDERS_CREATE",
    "orders/updated": "ORDERS_UPDATED",
    "orders/paid": "ORDERS_PAID",
    "orders/cancelled": "ORDERS_CANCELLED",
    "orders/fulfilled": "ORDERS_FULFILLED",
    "refunds/create": "REFUNDS_CREATE",
    "checkouts/create": "CHECKOUTS_CREATE",
    "checkouts/update": "CHECKOUTS_UPDATE",
    "customers/create": "CUSTOMERS_CREATE",
    "customers/update": "CUSTOMERS_UPDATE",
    "app/uninstalled": "APP_UNINSTALLED",
}
PAGE_SIZE = 100


class ShopifyStoreClient:
    def __init__(
        self,
        connection: StoreConnection,
        http: httpx.AsyncClient,
        app: ShopifyApp,
        api_version: str,
    ) -> None:
        self._connection = connection
        self._http = http
        self._app = app
        self._credentials = ShopifyCredentials.from_json(connection.credentials)
        self._graphql = ShopifyGraphQL(http, app, connection.domain, api_version, self.access_token)

    async def access_token(self) -> str:
        """A valid token, refreshed first when it is about to expire. Concurrent callers share
        one refresh: the refresh runs under the shop's lock and re-reads what another caller
        may have stored meanwhile."""
        if self._credentials.needs_refresh(utcnow()):
            stored = await self._connection.refresh_credentials(self._refresh_if_stale)
            self._credentials = ShopifyCredentials.from_json(stored)
        return self._credentials.access_token

    async def _refresh_if_stale(self, stored: str) -> str | None:
        current = ShopifyCredentials.from_json(stored)
        if not current.needs_refresh(utcnow()):
            return None
        fresh = await oauth.refresh(self._http, self._app, self._connection.domain, current)
        return fresh.to_json()

    async def shop_info(self) -> ShopInfo:
        shop = (await self._graphql.execute(queries.SHOP))["shop"]
        return ShopInfo(
            name=shop["name"],
            currency=shop["currencyCode"],
            timezone=shop["ianaTimezone"],
            email=shop.get("email"),
        )

    async def register_webhooks(self, address: str) -> list[WebhookSubscription]:
        existing = await self._subscribed_topics(address)
        for topic, enum in WEBHOOK_TOPICS.items():
            if enum in existing:
                continue
            data = await self._graphql.execute(
                queries.CREATE_WEBHOOK, {"topic": enum, "uri": address}
            )
            _raise_user_errors(data["webhookSubscriptionCreate"], f"subscribing {topic}")
        return [WebhookSubscription(topic, address) for topic in WEBHOOK_TOPICS]

    async def _subscribed_topics(self, address: str) -> set[str]:
        data = await self._graphql.execute(queries.WEBHOOK_SUBSCRIPTIONS)
        nodes = data["webhookSubscriptions"]["nodes"]
        return {node["topic"] for node in nodes if node.get("uri") == address}

    async def list_orders(self, updated_since: datetime, cursor: str | None = None) -> Page:
        return await self._page(queries.ORDERS, "orders", updated_since, cursor)

    async def list_checkouts(self, updated_since: datetime, cursor: str | None = None) -> Page:
        return await self._page(
            queries.ABANDONED_CHECKOUTS, "abandonedCheckouts", updated_since, cursor
        )

    async def list_customers(self, updated_since: datetime, cursor: str | None = None) -> Page:
        return await self._page(queries.CUSTOMERS, "customers", updated_since, cursor)

    async def _page(
        self, query: str, field: str, updated_since: datetime, cursor: str | None
    ) -> Page:
        variables = {
            "first": PAGE_SIZE,
            "after": cursor,
            "query": f"updated_at:>='{updated_since.isoformat()}'",
        }
        connection = (await self._graphql.execute(query, variables))[field]
        info = connection["pageInfo"]
        return Page(connection["nodes"], info["endCursor"] if info["hasNextPage"] else None)

    async def count_orders(self, updated_since: datetime) -> int:
        variables = {"query": f"updated_at:>='{updated_since.isoformat()}'"}
        counted = (await self._graphql.execute(queries.ORDERS_COUNT, variables))["ordersCount"]
        return int(counted["count"])

    async def export_orders(self, updated_since: datetime) -> AsyncIterator[dict[str, Any]]:
        """The orders through a bulk export (`shopify.bulk`), streamed as the file is read."""
        url = await bulk.export_orders(self._graphql, updated_since)
        if url is None:
            return
        async for order in bulk.stream_orders(self._http, url):
            yield order

    async def fetch_refunds(self, order_platform_id: str) -> list[Refund]:
        gid = f"gid://shopify/Order/{order_platform_id}"
        order = (await self._graphql.execute(queries.ORDER_REFUNDS, {"id": gid}))["order"] or {}
        return [_refund(node, order_platform_id) for node in order.get("refunds") or []]

    async def create_discount_code(self, request: DiscountCodeRequest) -> DiscountCode:
        data = await self._graphql.execute(
            queries.CREATE_DISCOUNT_CODE, {"discount": _discount_input(request)}
        )
        result = data["discountCodeBasicCreate"]
        # A code string is unique in a store: Shopify says TAKEN on the code field.
        if any(error.get("code") == "TAKEN" for error in result.get("userErrors") or []):
            raise DiscountCodeTaken(f"Shopify already holds discount code {request.code}")
        _raise_user_errors(result, f"creating discount code {request.code}")
        return DiscountCode(request.code, str(result["codeDiscountNode"]["id"]))


def _refund(node: dict[str, Any], order_platform_id: str) -> Refund:
    lines = tuple(
        RefundLine(
            line_platform_id=str(item["lineItem"]["id"]).rsplit("/", 1)[-1],
            quantity=int(item["quantity"]),
            amount=Decimal(str(item["subtotalSet"]["shopMoney"]["amount"])),
        )
        for item in node["refundLineItems"]["nodes"]
    )
    return Refund(
        platform_id=str(node["legacyResourceId"]),
        order_platform_id=order_platform_id,
        created_at=datetime.fromisoformat(str(node["createdAt"]).replace("Z", "+00:00")),
        amount=sum((line.amount for line in lines), Decimal("0")),
        lines=lines,
    )


def _discount_input(request: DiscountCodeRequest) -> dict[str, Any]:
    if request.kind is DiscountKind.PERCENTAGE:
        value: dict[str, Any] = {"percentage": float(request.value / 100)}
    else:
        value = {"discountAmount": {"amount": str(request.value), "appliesOnEachItem": False}}
    context: dict[str, Any] = {"all": "ALL"}
    if request.customer_id:
        customer_gid = f"gid://shopify/Customer/{request.customer_id}"
        context = {"customers": {"add": [customer_gid]}}
    return {
        "title": request.title,
        "code": request.code,
        "startsAt": utcnow().isoformat(),
        "endsAt": request.expires_at.isoformat(),
        "usageLimit": 1,
        "appliesOncePerCustomer": True,
        "context": context,
        "customerGets": {"value": value, "items": {"all": True}},
    }


def _raise_user_errors(result: dict[str, Any], action: str) -> None:
    errors = result.get("userErrors") or []
    if errors:
        detail = "; ".join(str(error.get("message")) for error in errors)
        raise StoreRejected(f"Shopify refused {action}: {detail}")
