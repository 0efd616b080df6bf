"""Pages inside the Shopify admin: Shopify loads them in an iframe with a session token in the
URL (`embedded=1&id_token=…`, read by `app.auth.dependencies`), and they run App Bridge, which
hands out a fresh session token for every htmx request (static/embedded.js) and gives the
live stream a stream token of its own (EventSource cannot send headers).

Pages reached any other way (WooCommerce, a login link's cookie session) never load App Bridge:
it is Shopify's script, from Shopify's CDN, for Shopify's iframe only."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from app.auth.dependencies import signed_in_embedded
from app.auth.stream_tokens import stream_url
from app.config import Settings
from app.integrations.platforms import Platform
from app.shops.models import Shop, SignedInShop

APP_BRIDGE_URL = "https://cdn.shopify.com/shopifycloud/app-bridge.js"
SHOPIFY_ADMIN = "https://admin.shopify.com"


def page_context(request: Request, shop: SignedInShop | Shop | None) -> dict[str, Any]:
    """What base.html needs to run a page with App Bridge: nothing when it is not embedded (a
    page about a shop nobody signed in to, a share link's, never is)."""
    settings: Settings = request.app.state.runtime.settings
    if not (
        isinstance(shop, SignedInShop)
        and shop.platform is Platform.SHOPIFY
        and bool(settings.shopify_api_key)
        and signed_in_embedded(request)
    ):
        return {"embedded": False}
    return {
        "embedded": True,
        "app_bridge_url": APP_BRIDGE_URL,
        "shopify_api_key": settings.shopify_api_key,
        "live_stream_url": stream_url(settings, shop.id),
    }


def limit_framing(response: Response, values: dict[str, Any]) -> None:
    """An embedded page may be framed by its own shop's admin only (clickjacking; Shopify's
    review checks it): `frame-ancestors` names the shop's domain and the admin's."""
    if values.get("embedded"):
        shop: SignedInShop = values["shop"]
        framed_by(response, shop.domain)


def framed_by(response: Response, shop_domain: str) -> None:
    policy = f"frame-ancestors https://{shop_domain} {SHOPIFY_ADMIN};"
    response.headers["Content-Security-Policy"] = policy
