"""The demo WooCommerce store's REST API (`{store}/wp-json/...`): what StoreOKR reads at
connection (site index, settings), the webhooks it creates (whose secret the store then signs
with), and orders, customers and refunds for reconciliation."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from app.demo.catalog import DEMO_CURRENCY, DEMO_TIMEZONE
from app.demo.shapes import WooCommerceShape
from app.demo.shoppers import DemoStore

WOO_PATH = "/demo/woocommerce"
DEMO_CONSUMER_KEY = "ck_demo0000000000000000000000000000000000"
DEMO_CONSUMER_SECRET = "cs_demo0000000000000000000000000000000000"
_LINK_PARAMS = frozenset({"products", "coupon", "checkout-link"})  # what the store takes away


def woo_api(store: DemoStore, shape: WooCommerceShape) -> APIRouter:
    router = APIRouter(prefix=f"{WOO_PATH}/wp-json", include_in_schema=False)

    @router.get("/")
    async def index() -> dict[str, Any]:
        return {
            "name": "Nordlicht Woo (demo)",
            "url": shape.store_url,
            "gmt_offset": "1",
            "timezone_string": DEMO_TIMEZONE,
            "namespaces": ["wc/v3"],
        }

    @router.api_route("/wc/v3/{path:path}", methods=["GET", "POST"])
    async def rest(path: str, request: Request) -> JSONResponse:
        if request.query_params.get("oauth_consumer_key") != DEMO_CONSUMER_KEY:
            return JSONResponse({"code": "woocommerce_rest_authentication_error"}, status_code=401)
        body = await request.json() if request.method == "POST" else {}
        return answer(store, shape, request.method, path, dict(request.query_params), body)

    return router


def woo_storefront(store: DemoStore) -> APIRouter:
    """The demo store's pages a shopper reaches from a recovery e-mail: WooCommerce's shareable
    checkout link (`CheckoutLink`: the cart emptied and filled, then on to the checkout with
    every other parameter kept and the cart's session token added; the cart page with an error
    when nothing could be added), the checkout, and the shop's home."""
    router = APIRouter(prefix=WOO_PATH, include_in_schema=False)

    @router.get("/checkout-link/")
    async def checkout_link(request: Request) -> RedirectResponse:
        session = store.fill_cart(request.query_params.get("products", ""))
        if session is None:
            error = urlencode(
                {"wc_error": "The provided checkout link was out of date or invalid."}
            )
            return RedirectResponse(f"{WOO_PATH}/cart/?{error}", status_code=302)
        kept = [(k, v) for k, v in request.query_params.multi_items() if k not in _LINK_PARAMS]
        query = urlencode([*kept, ("session", session)])
        return RedirectResponse(f"{store.shop}/checkout/?{query}", status_code=302)

    @router.get("/", response_class=HTMLResponse)
    @router.get("/cart/", response_class=HTMLResponse)
    @router.get("/checkout/", response_class=HTMLResponse)
    async def page() -> str:
        return "<!doctype html><title>Nordlicht Woo (demo)</title><p>Nordlicht Woo (demo)</p>"

    return router


def answer(
    store: DemoStore,
    shape: WooCommerceShape,
    method: str,
    path: str,
    query: dict[str, str],
    body: Any,
) -> JSONResponse:
    if path == "settings/general":
        return JSONResponse(
            [
                {"id": "woocommerce_currency", "value": DEMO_CURRENCY},
                {"id": "woocommerce_email_from_address", "value": "shop@nordlicht-woo.example"},
            ]
        )
    if path == "webhooks" and method == "POST":
        shape.secret = body["secret"]  # from now on the store signs with StoreOKR's secret
        hook = {"id": len(store.subscriptions) + 1, "status": "active", **body}
        store.subscriptions.append(hook)
        return JSONResponse({k: v for k, v in hook.items() if k != "secret"}, status_code=201)
    if path == "webhooks":
        return JSONResponse(
            [{k: v for k, v in h.items() if k != "secret"} for h in store.subscriptions]
        )
    if path.startswith("orders/") and path.endswith("/refunds"):
        return JSONResponse(shape.refunds.get(int(path.split("/")[1]), []))
    if path == "orders":
        wanted = query.get("status")
        records = [
            *store.orders.values(),
            *(c for c in store.checkouts.values() if c["status"] == "checkout-draft"),
        ]
        return _paged([r for r in records if not wanted or r["status"] == wanted], query)
    if path == "customers":
        return _paged(list(store.customers.values()), query)
    if path == "coupons" and method == "POST":
        return _create_coupon(store, body)
    return JSONResponse({"code": "rest_no_route"}, status_code=404)


def _create_coupon(store: DemoStore, body: dict[str, Any]) -> JSONResponse:
    """Like WC_REST_Coupons_Controller: coupon codes are unique (compared in lower case); a
    code the store holds is refused with a 400."""
    code = str(body.get("code", "")).lower()
    if any(str(held.get("code", "")).lower() == code for held in store.discounts):
        return JSONResponse(
            {
                "code": "woocommerce_rest_coupon_code_already_exists",
                "message": f"The coupon code {code} already exists",
                "data": {"status": 400},
            },
            status_code=400,
        )
    coupon = {"id": len(store.discounts) + 1, **body, "code": code}
    store.discounts.append(coupon)
    return JSONResponse(coupon, status_code=201)


def _paged(records: list[dict[str, Any]], query: dict[str, str]) -> JSONResponse:
    size, page = int(query.get("per_page", "10")), int(query.get("page", "1"))
    pages = max(1, -(-len(records) // size))
    chunk = records[(page - 1) * size : page * size]
    return JSONResponse(
        chunk, headers={"X-WP-Total": str(len(records)), "X-WP-TotalPages": str(pages)}
    )
