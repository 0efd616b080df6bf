"""The bounce page (app/auth/bounce.py): App Bridge alone, which loads the `shopify-reload`
address again with a fresh session token. It shows nothing and needs no shop data: the frame
only passes through it."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app.admin.embedding.app_bridge import APP_BRIDGE_URL, framed_by
from app.admin.rendering import render
from app.auth.bounce import BOUNCE_PATH, RELOAD_PARAM, is_app_address
from app.deps import SettingsDep
from app.errors import BadRequest, NotFound
from app.integrations.shopify.domains import is_shop_domain

router = APIRouter()


@router.get(BOUNCE_PATH, response_class=HTMLResponse)
async def session_token_bounce(
    request: Request,
    settings: SettingsDep,
    shop: str = "",
    reload: str = Query("", alias=RELOAD_PARAM),
) -> HTMLResponse:
    if not settings.shopify_api_key:
        raise NotFound("Shopify is not configured: there is no Shopify admin to bounce through")
    if not is_shop_domain(shop):
        raise BadRequest("shop must be the store's myshopify.com domain")
    if not is_app_address(reload, settings):
        raise BadRequest(f"{RELOAD_PARAM} must be an address of this app")
    context = {"shopify_api_key": settings.shopify_api_key, "app_bridge_url": APP_BRIDGE_URL}
    response = render(request, "session_token_bounce.html", context)
    framed_by(response, shop)
    return response
