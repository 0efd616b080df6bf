"""WooCommerce's REST key exchange: the merchant approves StoreOKR in wp-admin, WooCommerce
POSTs the keys to our callback, then sends the merchant back to our return URL.

Whoever holds the nonce (`user_id`, which travels in URLs) proves nothing by itself, so: the
callback stores keys only once the store has accepted them, never replaces an active shop's
unless that shop started the connection from its own signed-in admin, and the return signs in
only the browser that started the connection (a cookie of its own), once."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Cookie, Depends, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from app.auth.cookies import SESSION_COOKIE, shops_of, start_session
from app.auth.dependencies import shop_if_signed_in
from app.crypto import Vault
from app.deps import RuntimeDep, SessionDep
from app.errors import BadRequest, Forbidden, Unauthorized
from app.integrations.platforms import Platform
from app.integrations.woocommerce.credentials import WooCommerceCredentials
from app.integrations.woocommerce.store_checks import (
    require_woocommerce_store,
    shop_info_with_keys,
)
from app.integrations.woocommerce.urls import require_store_url
from app.shops import service
from app.shops.models import NoncePurpose, SignedInShop
from app.shops.tasks import enqueue_connect

router = APIRouter(prefix="/auth/woocommerce", tags=["auth"])

CONNECT_LIFETIME = timedelta(hours=1)
# Ties the return leg to the browser that started the connection: a random value of its own,
# whose digest the nonce keeps (the nonce alone travels in URLs and could be replayed).
CONNECT_COOKIE = "storeokr_woo_connect"


class KeyDelivery(BaseModel):
    """What WooCommerce POSTs to the callback once the merchant approves."""

    # Bounded where they enter: WooCommerce's keys are `ck_`/`cs_` and 40 hex digits, its key
    # id a database row's, its permissions `read`, `write` or `read_write`.
    key_id: int = Field(ge=1, le=2**63 - 1)
    user_id: str = Field(max_length=128)
    consumer_key: str = Field(min_length=1, max_length=128)
    consumer_secret: str = Field(min_length=1, max_length=128)
    key_permissions: str = Field(max_length=32)


async def signed_in_shop(
    request: Request, runtime: RuntimeDep, session: SessionDep
) -> SignedInShop | None:
    """The shop whose admin this browser is signed in to, if any (a connection it starts may
    reconnect that shop); an expired or unusable session is no session here, not an error."""
    try:
        return await shop_if_signed_in(request, runtime, session)
    except (Unauthorized, Forbidden):
        return None


SignedInShopDep = Annotated[SignedInShop | None, Depends(signed_in_shop)]


@router.get("/connect", response_class=RedirectResponse, status_code=303)
async def connect(
    store_url: str, runtime: RuntimeDep, session: SessionDep, signed_in: SignedInShopDep
) -> RedirectResponse:
    """Start connecting a WooCommerce store: send the merchant to approve API access."""
    store = require_store_url(store_url, allow_http=runtime.settings.env != "production")
    await runtime.addresses.check_url(store)  # before anything is stored or sent
    reconnecting = await service.shop_to_reconnect(session, Platform.WOOCOMMERCE, store, signed_in)
    await require_woocommerce_store(runtime.http, store)
    nonce = await service.issue_browser_bound_nonce(
        session,
        NoncePurpose.WOOCOMMERCE_CONNECT,
        ttl=CONNECT_LIFETIME,
        domain=store,
        shop_id=reconnecting,
    )
    base = runtime.settings.public("")
    query = urlencode(
        {
            "app_name": "StoreOKR",
            "scope": "read_write",
            "user_id": nonce.value,
            "return_url": f"{base}/auth/woocommerce/return",
            "callback_url": f"{base}/auth/woocommerce/callback",
        }
    )
    response = RedirectResponse(f"{store}/wc-auth/v1/authorize?{query}", status_code=303)
    response.set_cookie(
        CONNECT_COOKIE,
        nonce.browser_secret,
        max_age=int(CONNECT_LIFETIME.total_seconds()),
        httponly=True,
        secure=runtime.settings.env == "production",
        samesite="lax",
        path="/auth/woocommerce",
    )
    return response


@router.post("/callback")
async def callback(keys: KeyDelivery, runtime: RuntimeDep, session: SessionDep) -> dict[str, str]:
    """Receive the API keys for a connection we started (one-time `user_id`), once the store
    has accepted them."""
    # A refusal below rolls the whole request back, the nonce's use included: made-up keys
    # posted first cannot spoil the store's own delivery.
    nonce = await service.use_nonce(session, keys.user_id, NoncePurpose.WOOCOMMERCE_CONNECT)
    if nonce is None:
        raise BadRequest("unknown, used or expired user_id: start the connection again")
    credentials = WooCommerceCredentials(
        consumer_key=keys.consumer_key,
        consumer_secret=keys.consumer_secret,
        key_id=keys.key_id,
        permissions=keys.key_permissions,
    )
    info = await shop_info_with_keys(runtime.http, nonce.domain, credentials)
    shop = await service.install_by_key_exchange(
        session,
        Vault.from_settings(runtime.settings),
        platform=Platform.WOOCOMMERCE,
        domain=nonce.domain,
        reconnecting=nonce.shop_id,
        credentials=credentials.to_json(),
        scopes=keys.key_permissions,
        info=info,
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
    admin_session: Annotated[str | None, Cookie(alias=SESSION_COOKIE)] = None,
) -> RedirectResponse:
    """The merchant's browser back from wp-admin: sign it in to the connected shop's admin
    (keeping the stores it reached before, for the store switcher)."""
    if success != "1":
        raise BadRequest("the store did not grant access: connect again and approve it")
    shop_id = await service.claim_return(
        session, user_id, started_by, NoncePurpose.WOOCOMMERCE_CONNECT
    )
    if shop_id is None:
        raise BadRequest(
            "this connection was not started in this browser, is not finished, has expired or "
            "was already used: sign in from your store's StoreOKR admin, or connect again"
        )
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(CONNECT_COOKIE, path="/auth/woocommerce")
    start_session(response, runtime.settings, shop_id, shops_of(admin_session, runtime.settings))
    return response
