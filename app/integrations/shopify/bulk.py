"""Shopify bulk exports: a store's whole order history as one JSONL file, read as a stream.

`bulkOperationRunQuery` starts the export; `currentBulkOperation` is polled until it completes
and names the file's URL; the file is read line by line. Each connection's nodes come on their
own lines after their parent, naming it in `__parentId`: an order's line items and its refunds'
line items are put back under it, in the shape the paged ORDERS query gives, so that one
normaliser serves both."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx

from app.integrations import http as store_http
from app.integrations.base import StoreRejected, StoreUnavailable
from app.integrations.shopify import queries
from app.integrations.shopify.graphql import ShopifyGraphQL

FINISHED = {"COMPLETED", "FAILED", "CANCELED", "CANCELING", "EXPIRED"}
# Shopify's own advice is to poll now and then; a history of a million orders takes minutes.
POLL_SECONDS = 1.0
MAX_POLLS = 3600


async def export_orders(
    graphql: ShopifyGraphQL, updated_since: datetime, poll_seconds: float = POLL_SECONDS
) -> str | None:
    """Run a bulk export of the orders updated since `updated_since`; the JSONL file's URL when
    it is ready (None: no order matched)."""
    document = queries.BULK_ORDERS_DOCUMENT.replace(
        "__QUERY__", f"updated_at:>='{updated_since.isoformat()}'"
    )
    started = (await graphql.execute(queries.RUN_BULK_QUERY, {"query": document}))[
        "bulkOperationRunQuery"
    ]
    errors = started.get("userErrors") or []
    if errors:
        detail = "; ".join(str(error.get("message")) for error in errors)
        raise StoreRejected(f"Shopify refused the bulk export of orders: {detail}")
    operation_id = (started.get("bulkOperation") or {}).get("id")
    for _ in range(MAX_POLLS):
        current = (await graphql.execute(queries.CURRENT_BULK_OPERATION))["currentBulkOperation"]
        if current is None or current.get("id") != operation_id:
            raise StoreUnavailable("Shopify lost track of the bulk export of orders")
        status = str(current.get("status"))
        if status == "COMPLETED":
            url = current.get("url")
            return str(url) if url else None
        if status in FINISHED:
            code = current.get("errorCode") or status.lower()
            raise StoreUnavailable(f"Shopify's bulk export of orders ended: {code}")
        await asyncio.sleep(poll_seconds)
    raise StoreUnavailable("Shopify's bulk export of orders did not finish in time")


async def stream_orders(http: httpx.AsyncClient, url: str) -> AsyncIterator[dict[str, Any]]:
    """The export's orders, each whole (its line items and refunds' line items under it), as
    the file is read."""
    request = http.build_request("GET", url)
    try:
        response = await http.send(request, stream=True)
    except httpx.TransportError as error:
        failure = store_http.transport_failure(error)
        raise StoreUnavailable(f"the bulk export's file did not answer ({failure})") from error
    try:
        if response.status_code != 200:
            raise StoreUnavailable(f"the bulk export's file answered {response.status_code}")
        async for order in assembled_orders(_lines(response.aiter_bytes())):
            yield order
    finally:
        await response.aclose()


async def _lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Lines split from the bytes as they come (httpx's text lines cost more than the JSON)."""
    rest = b""
    async for chunk in chunks:
        *lines, rest = (rest + chunk).split(b"\n")
        for line in lines:
            yield line
    if rest:
        yield rest


async def assembled_orders(
    lines: AsyncIterator[bytes] | AsyncIterator[str],
) -> AsyncIterator[dict[str, Any]]:
    """Orders put back together from JSONL lines: an order is whole when the next one starts
    (children follow their parent) or the file ends."""
    current: dict[str, Any] | None = None
    refunds: dict[str, dict[str, Any]] = {}
    async for line in lines:
        if not line.strip():
            continue
        node = json.loads(line)
        parent = node.pop("__parentId", None)
        if parent is None:
            if current is not None:
                yield current
            current, refunds = _order(node)
        elif current is not None and parent == current.get("id"):
            current["lineItems"]["nodes"].append(node)
        elif parent in refunds:
            refunds[parent]["refundLineItems"]["nodes"].append(node)
        else:
            raise StoreRejected("Shopify's bulk export named a parent it had not given first")
    if current is not None:
        yield current


def _order(node: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    node["lineItems"] = {"nodes": []}
    refunds = {}
    for refund in node.get("refunds") or []:
        refund["refundLineItems"] = {"nodes": []}
        refunds[str(refund.get("id"))] = refund
    return node, refunds
