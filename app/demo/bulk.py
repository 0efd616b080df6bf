"""The demo store's bulk exports (Shopify's `bulkOperationRunQuery`): an export of the orders
is ready at once, and its JSONL file is written while it is read, in Shopify's layout — each
connection's nodes on their own lines after their parent, naming it in `__parentId`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import Request

from app.demo.shoppers import DemoStore

# Lines per chunk of the response: one write per line would cost the store more than the file.
CHUNK_LINES = 500


def bulk_answer(
    store: DemoStore, query: str, request: Request, exports: list[str]
) -> dict[str, Any]:
    """The `data` of a bulk mutation or status query (`exports`: the files' URLs, by number)."""
    if "StoreOkrBulkOrders" in query:
        path = f"/demo/shopify/{store.shop}/bulk/{len(exports) + 1}.jsonl"
        exports.append(str(request.base_url).rstrip("/") + path)
        operation = {"id": f"gid://shopify/BulkOperation/{len(exports)}", "status": "CREATED"}
        return {"bulkOperationRunQuery": {"bulkOperation": operation, "userErrors": []}}
    if not exports:
        return {"currentBulkOperation": None}
    return {
        "currentBulkOperation": {
            "id": f"gid://shopify/BulkOperation/{len(exports)}",
            "status": "COMPLETED",
            "errorCode": None,
            "objectCount": str(len(store.orders)),
            "rootObjectCount": str(len(store.orders)),
            "url": exports[-1] if store.orders else None,
        }
    }


def bulk_lines(order_nodes: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """The file's bytes, from order nodes as the paged query gives them."""
    chunk: list[str] = []
    for node in order_nodes:
        chunk.extend(json.dumps(line) for line in order_lines(node))
        if len(chunk) >= CHUNK_LINES:
            yield ("\n".join(chunk) + "\n").encode()
            chunk = []
    if chunk:
        yield ("\n".join(chunk) + "\n").encode()


def order_lines(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """One order node as the JSONL lines of a bulk export: the order, then its children."""
    items = node["lineItems"]["nodes"]
    refunds, children = [], []
    for given in node["refunds"]:
        refund = {key: value for key, value in given.items() if key != "refundLineItems"}
        refund["id"] = f"gid://shopify/Refund/{refund['legacyResourceId']}"
        refunds.append(refund)
        for number, item in enumerate(given["refundLineItems"]["nodes"], start=1):
            item_id = f"gid://shopify/RefundLineItem/{refund['legacyResourceId']}{number}"
            children.append({"id": item_id, **item, "__parentId": refund["id"]})
    node = {key: value for key, value in node.items() if key != "lineItems"} | {"refunds": refunds}
    yield node
    for item in items:
        yield {**item, "__parentId": node["id"]}
    yield from children
