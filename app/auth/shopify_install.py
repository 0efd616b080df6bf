"""Shopify installs started outside the admin: the authorization-code grant."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from app.crypto import Vault
from app.db import utcnow
from app.deps import RuntimeDep, SessionDep
from app.errors import BadRequest
from app.integrations.platforms import Platform
from app.integrations.shopify import oauth
from app.integrations.shopify.domains import require_shop_domain
from app.integrations.shopify.oauth import shopify_app
from app.shops import service
from app.shops.models import NoncePurpose
from app.shops.tasks import enqueue_connect

router = APIRouter(prefix="/auth/shopify", tags=["auth"])

STATE_LIFETIME = timedelta(minutes=15)


@router.get("/install", response_class=RedirectResponse, status_code=303)
async def install(shop: str, runtime: RuntimeDep, session: SessionDep) -> RedirectResponse:
    """Start an install: send the merchant to Shopify to approve StoreOKR's scopes."""
    domain = require_shop_domain(shop)
    state = await service.issue_nonce(
        session, NoncePurpose.SHOPIFY_OAUTH, ttl=STATE_LIFETIME, domain=domain
    )
    settings = runtime.settings
    url = oauth.authorize_url(
        shopify_app(settings), domain, settings.shopify_scopes, _callback_url(runtime), state
    )
    return RedirectResponse(url, status_code=303)


@router.get("/callback", response_class=RedirectResponse, status_code=303)
async def callback(request: Request, runtime: RuntimeDep, session: SessionDep) -> RedirectResponse:
    """Shopify's redirect after approval: verify it, take the token, create the shop."""
    query = request.query_params
    domain = require_shop_domain(query.get("shop"))
    app = shopify_app(runtime.settings)
    params = query.multi_items()
    if not oauth.callback_hmac_is_valid(params, runtime.settings.shopify_api_secrets):
        raise BadRequest("the callback's signature (hmac) is not valid")
    if not oauth.callback_is_recent(params, utcnow()):
        raise BadRequest("the callback is more than a day old: start the install again")
    nonce = await service.use_nonce(session, query.get("state", ""), NoncePurpose.SHOPIFY_OAUTH)
    if nonce is None or nonce.domain != domain:
        raise BadRequest("unknown, used or expired state: start the install again")
    credentials = await oauth.exchange_code(runtime.http, app, domain, query.get("code", ""))
    shop = await service.install(
        session,
        Vault.from_settings(runtime.settings),
        platform=Platform.SHOPIFY,
        domain=domain,
        credentials=credentials.to_json(),
        scopes=credentials.scope,
    )
    enqueue_connect(session, shop)
    return RedirectResponse(f"https://{domain}/admin/apps/{app.api_key}", status_code=303)


def _callback_url(runtime: RuntimeDep) -> str:
    return runtime.settings.public("/auth/shopify/callback")
