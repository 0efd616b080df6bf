"""The demo store's Admin API: Shopify's GraphQL endpoint, answering the queries StoreOKR sends
(shop details, webhook subscriptions, orders, abandoned checkouts, customers, discount codes)
from the demo store's state, in Admin GraphQL's shapes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from app.demo.bulk import bulk_answer, bulk_lines
from app.demo.catalog import DEMO_CURRENCY, DEMO_NAME, DEMO_TIMEZONE
from app.demo.shoppers import DemoStore

DEMO_ACCESS_TOKEN = "shpat_demo_store_token"
COST = {
    "requestedQueryCost": 1,
    "actualQueryCost": 1,
    "throttleStatus": {
        "maximumAvailable": 2000.0,
        "currentlyAvailable": 1999,
        "restoreRate": 100.0,
    },
}


def admin_api(
    store: DemoStore, exported: Callable[[], Iterable[dict[str, Any]]] | None = None
) -> APIRouter:
    """The store's Admin API; `exported`: the order nodes its bulk export holds (default: the
    store's orders; the backfill benchmark replays a history longer than memory holds)."""
    router = APIRouter(prefix="/demo/shopify/{shop}", include_in_schema=False)
    exports: list[str] = []  # the bulk exports asked for, by number: their files' URLs

    @router.post("/admin/api/{version}/graphql.json")
    async def graphql(shop: str, version: str, request: Request) -> JSONResponse:
        if shop != store.shop or request.headers.get("X-Shopify-Access-Token") != DEMO_ACCESS_TOKEN:
            return JSONResponse(
                {"errors": "[API] Invalid API key or access token"}, status_code=401
            )
        body = await request.json()
        query = str(body.get("query", ""))
        if "StoreOkrBulk" in query:
            return JSONResponse({"data": bulk_answer(store, query, request, exports)})
        data = answer(store, query, body.get("variables") or {})
        if data is None:
            return JSONResponse(
                {"errors": [{"message": "the demo store does not know this query"}]}
            )
        return JSONResponse({"data": data, "extensions": {"cost": COST}})

    @router.get("/bulk/{number}.jsonl")
    async def bulk_file(shop: str, number: int) -> StreamingResponse:
        """The export's file, written as it is read (Shopify's takes minutes for a long
        history; the demo's costs its store's process about as much as StoreOKR's reading)."""
        if shop != store.shop or not 0 < number <= len(exports):
            return StreamingResponse(iter(()), status_code=404)
        nodes = exported() if exported else (order_node(o) for o in list(store.orders.values()))
        return StreamingResponse(bulk_lines(nodes), media_type="application/jsonl")

    return router


def answer(store: DemoStore, query: str, variables: dict[str, Any]) -> dict[str, Any] | None:
    if "StoreOkrShop" in query:
        return {
            "shop": {
                "name": DEMO_NAME,
                "email": "owner@nordlicht.example",
                "currencyCode": DEMO_CURRENCY,
                "ianaTimezone": DEMO_TIMEZONE,
                "myshopifyDomain": store.shop,
            }
        }
    if "StoreOkrWebhooks" in query:
        return {"webhookSubscriptions": {"nodes": store.subscriptions}}
    if "StoreOkrSubscribe" in query:
        subscription = {
            "id": f"gid://shopify/WebhookSubscription/{len(store.subscriptions) + 1}",
            "topic": variables["topic"],
            "uri": variables["uri"],
        }
        store.subscriptions.append(subscription)
        return {
            "webhookSubscriptionCreate": {"webhookSubscription": subscription, "userErrors": []}
        }
    if "StoreOkrOrdersCount" in query:
        return {"ordersCount": {"count": len(store.orders)}}
    if "StoreOkrOrders" in query:
        return {"orders": _page(list(store.orders.values()), order_node, variables)}
    if "StoreOkrCheckouts" in query:
        listed = store.abandoned_checkouts()
        return {"abandonedCheckouts": _page(listed, checkout_node, variables)}
    if "StoreOkrCustomers" in query:
        return {"customers": _page(list(store.customers.values()), customer_node, variables)}
    if "StoreOkrDiscount" in query:
        return {"discountCodeBasicCreate": _create_discount(store, variables["discount"])}
    return None


def _create_discount(store: DemoStore, discount: dict[str, Any]) -> dict[str, Any]:
    """Like Shopify: a code is unique in the store (compared without case); a second one is
    refused with the TAKEN user error on the code field."""
    code = str(discount.get("code", ""))
    if any(str(held.get("code", "")).lower() == code.lower() for held in store.discounts):
        error = {"field": ["basicCodeDiscount", "code"], "code": "TAKEN",
                 "message": "Code must be unique. Please try a different code."}  # fmt: skip
        return {"codeDiscountNode": None, "userErrors": [error]}
    store.discounts.append(discount)
    node = {"id": f"gid://shopify/DiscountCodeNode/{len(store.discounts)}"}
    return {"codeDiscountNode": node, "userErrors": []}


def _page(
    records: list[dict[str, Any]],
    node: Callable[[dict[str, Any]], dict[str, Any]],
    variables: dict[str, Any],
) -> dict[str, Any]:
    """One page of a connection, `first` records after the cursor (the demo's cursors are
    positions; Shopify's are opaque strings, which is all the client assumes)."""
    start = int(variables.get("after") or 0)
    end = start + int(variables.get("first") or 50)
    more = end < len(records)
    return {
        "pageInfo": {"hasNextPage": more, "endCursor": str(end) if more else None},
        "nodes": [node(record) for record in records[start:end]],
    }


def _money(bag: dict[str, Any]) -> dict[str, Any]:
    return {
        "shopMoney": {
            "amount": bag["shop_money"]["amount"],
            "currencyCode": bag["shop_money"]["currency_code"],
        },
        "presentmentMoney": {
            "amount": bag["presentment_money"]["amount"],
            "currencyCode": bag["presentment_money"]["currency_code"],
        },
    }


def order_node(order: dict[str, Any]) -> dict[str, Any]:
    person = order.get("customer")
    return {
        "id": f"gid://shopify/Order/{order['id']}",
        "legacyResourceId": str(order["id"]),
        "name": order["name"],
        "createdAt": order["created_at"],
        "updatedAt": order["updated_at"],
        "cancelledAt": order.get("cancelled_at"),
        "test": order["test"],
        "currencyCode": order["currency"],
        "displayFinancialStatus": str(order["financial_status"]).upper(),
        "sourceName": order.get("source_name"),
        "checkoutToken": order.get("checkout_token"),
        "email": order.get("email"),
        "discountCodes": [d["code"] for d in order.get("discount_codes", [])],
        "customer": {
            "id": f"gid://shopify/Customer/{person['id']}",
            "legacyResourceId": str(person["id"]),
            "email": person["email"],
        }
        if person
        else None,
        "totalPriceSet": _money(order["total_price_set"]),
        "currentTotalPriceSet": _money(order["current_total_price_set"]),
        "subtotalPriceSet": _money(order["subtotal_price_set"]),
        "totalDiscountsSet": _money(order["total_discounts_set"]),
        "totalShippingPriceSet": _money(order["total_shipping_price_set"]),
        "totalTaxSet": _money(order["total_tax_set"]),
        "refunds": [
            {
                "legacyResourceId": str(r["id"]),
                "createdAt": r["created_at"],
                "refundLineItems": {
                    "nodes": [
                        {
                            "quantity": item["quantity"],
                            "lineItem": {"id": f"gid://shopify/LineItem/{item['line_item_id']}"},
                            "subtotalSet": _money(item["subtotal_set"]),
                        }
                        for item in r["refund_line_items"]
                    ]
                },
            }
            for r in order.get("refunds", [])
        ],
        "lineItems": {
            "nodes": [
                {
                    "id": f"gid://shopify/LineItem/{line['id']}",
                    "quantity": line["quantity"],
                    "product": {
                        "id": f"gid://shopify/Product/{line['product_id']}",
                        "legacyResourceId": str(line["product_id"]),
                    },
                    "variant": {
                        "id": f"gid://shopify/ProductVariant/{line['variant_id']}",
                        "legacyResourceId": str(line["variant_id"]),
                    },
                    "originalUnitPriceSet": _money(line["price_set"]),
                }
                for line in order["line_items"]
            ]
        },
    }


def checkout_node(checkout: dict[str, Any]) -> dict[str, Any]:
    person = checkout.get("customer") or {}
    return {
        "id": f"gid://shopify/AbandonedCheckout/{int(checkout['token'][:12], 16)}",
        "createdAt": checkout["created_at"],
        "updatedAt": checkout["updated_at"],
        "completedAt": checkout.get("completed_at"),
        "abandonedCheckoutUrl": checkout["abandoned_checkout_url"],
        "customer": {
            "id": f"gid://shopify/Customer/{person.get('id')}",
            "legacyResourceId": str(person.get("id")),
            "email": person.get("email"),
        }
        if person
        else None,
        "totalPriceSet": _money(checkout["total_price_set"]),
        "lineItems": {
            "nodes": [
                {
                    "title": line["title"],
                    "variantTitle": None,
                    "quantity": line["quantity"],
                    "originalUnitPriceSet": {
                        "shopMoney": {"amount": line["price"], "currencyCode": DEMO_CURRENCY}
                    },
                    "image": None,  # the demo's products have no pictures
                    "product": {"legacyResourceId": str(line["product_id"])},
                    "variant": {"legacyResourceId": str(line["variant_id"])},
                }
                for line in checkout["line_items"]
            ]
        },
    }


def customer_node(customer: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/Customer/{customer['id']}",
        "legacyResourceId": str(customer["id"]),
        "createdAt": customer["created_at"],
        "updatedAt": customer["updated_at"],
        "firstName": customer["first_name"],
        "lastName": customer["last_name"],
        "defaultEmailAddress": {
            "emailAddress": customer["email"],
            "marketingState": (
                "SUBSCRIBED"
                if customer.get("email_marketing_consent", {}).get("state") == "subscribed"
                else "NOT_SUBSCRIBED"
            ),
        },
    }
