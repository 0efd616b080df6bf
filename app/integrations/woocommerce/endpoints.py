"""WooCommerce's REST key exchange: the merchant approves StoreOKR in wp-admin, WooCommerce
POSTs the keys to our callback, then sends the merchant back to our return URL."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Cookie, Query
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from app.auth.cookies import start_session
from app.crypto import Vault, random_token
from app.deps import RuntimeDep, SessionDep
from app.errors import BadRequest
from app.integrations.woocommerce.credentials import WooCommerceCredentials
from app.integrations.woocommerce.urls import require_store_url
from app.shops import repository, service
from app.shops.models import NoncePurpose, Platform
from app.shops.tasks import enqueue_connect

router = APIRouter(prefix="/auth/woocommerce", tags=["auth"])

CONNECT_LIFETIME = timedelta(hours=1)
# Ties the return leg to the browser that started the connection (the nonce alone travels in
# URLs and could be replayed from elsewhere).
CONNECT_COOKIE = "storeokr_woo_connect"


class KeyDelivery(BaseModel):
    """What WooCommerce POSTs to the callback once the merchant approves."""

    key_id: int
    user_id: str
    consumer_key: str
    consumer_secret: str
    key_permissions: str


@router.get("/connect", response_class=RedirectResponse, status_code=303)
async def connect(store_url: str, runtime: RuntimeDep, session: SessionDep) -> RedirectResponse:
    """Start connecting a WooCommerce store: send the merchant to approve API access."""
    store = require_store_url(store_url, allow_http=runtime.settings.env != "production")
    nonce = await service.issue_nonce(
        session, NoncePurpose.WOOCOMMERCE_CONNECT, ttl=CONNECT_LIFETIME, domain=store
    )
    base = runtime.settings.public("")
    query = urlencode(
        {
            "app_name": "StoreOKR",
            "scope": "read_write",
            "user_id": nonce,
            "return_url": f"{base}/auth/woocommerce/return",
            "callback_url": f"{base}/auth/woocommerce/callback",
        }
    )
    response = RedirectResponse(f"{store}/wc-auth/v1/authorize?{query}", status_code=303)
    response.set_cookie(
        CONNECT_COOKIE,
        nonce,
        max_age=int(CONNECT_LIFETIME.total_seconds()),
        httponly=True,
        secure=runtime.settings.env == "production",
        samesite="lax",
        path="/auth/woocommerce",
    )
    return response


@router.post("/callback")
async def callback(keys: KeyDelivery, runtime: RuntimeDep, session: SessionDep) -> dict[str, str]:
    """Receive the API keys for a connection we started (one-time `user_id`)."""
    nonce = await service.use_nonce(session, keys.user_id, NoncePurpose.WOOCOMMERCE_CONNECT)
    if nonce is None:
        raise BadRequest("unknown, used or expired user_id: start the connection again")
    credentials = WooCommerceCredentials(
        consumer_key=keys.consumer_key,
        consumer_secret=keys.consumer_secret,
        key_id=keys.key_id,
        permissions=keys.key_permissions,
    )
    shop = await service.install(
        session,
        Vault.from_settings(runtime.settings),
        platform=Platform.WOOCOMMERCE,
        domain=nonce.domain,
        credentials=credentials.to_json(),
        scopes=keys.key_permissions,
        webhook_secret=random_token(32),
    )
    nonce.shop_id = shop.id
    enqueue_connect(session, shop)
    return {"status": "connected"}


@router.get("/return", response_class=RedirectResponse, status_code=303)
async def return_from_store(
    user_id: str,
    session: SessionDep,
    runtime: RuntimeDep,
    success: Annotated[str, Query()] = "0",
    started_by: Annotated[str | None, Cookie(alias=CONNECT_COOKIE)] = None,
) -> RedirectResponse:
    """The merchant's browser back from wp-admin: sign it in to the new shop's admin."""
    if success != "1":
        raise BadRequest("the store did not grant access: connect again and approve it")
    nonce = await repository.find_used_nonce(session, user_id, NoncePurpose.WOOCOMMERCE_CONNECT)
    if started_by != user_id or nonce is None or nonce.shop_id is None:
        raise BadRequest("this connection was not started in this browser, or is not finished")
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(CONNECT_COOKIE, path="/auth/woocommerce")
    start_session(response, runtime.settings, nonce.shop_id)
    return response
