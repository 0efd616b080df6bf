"""Stream tokens: how a page inside the Shopify admin opens the shop's live event stream.

A browser's EventSource cannot send an Authorization header, and the embedded admin has no
cookie session (Shopify's iframe blocks third-party cookies). So an embedded page is rendered
with a stream URL carrying a signed token that names the shop and opens its live stream only.
It is checked when the stream opens, and EventSource reconnects with the same URL, so it lives
as long as a cookie session does: a page left open longer reconnects after a reload."""

from __future__ import annotations

from typing import Annotated

import jwt
from fastapi import Depends, Request

from app.auth.cookies import SESSION_LIFETIME
from app.auth.dependencies import current_shop
from app.config import Settings
from app.crypto import decode_jwt, derived_key, verification_keys
from app.db import utcnow
from app.deps import RuntimeDep, SessionDep
from app.errors import Unauthorized
from app.shops import repository
from app.shops.models import ShopStatus, SignedInShop

STREAM_TOKEN_PARAM = "stream_token"
STREAM_TOKEN_LIFETIME = SESSION_LIFETIME
_CONTEXT = b"storeokr/live-stream/v1"
_PURPOSE = "live-stream"


def _signing_key(settings: Settings) -> bytes:
    return derived_key(settings, _CONTEXT)


def stream_url(settings: Settings, shop_id: int) -> str:
    """The shop's live stream, opened with a stream token instead of credentials."""
    return f"/api/v1/events?{STREAM_TOKEN_PARAM}={mint_stream_token(settings, shop_id)}"


def mint_stream_token(settings: Settings, shop_id: int) -> str:
    now = utcnow()
    claims = {"shop": shop_id, "purpose": _PURPOSE, "iat": now, "exp": now + STREAM_TOKEN_LIFETIME}
    return jwt.encode(claims, _signing_key(settings), algorithm="HS256")


def read_stream_token(token: str, settings: Settings) -> int:
    """The shop id a valid stream token names; Unauthorized otherwise."""
    try:
        keys = verification_keys(settings, _CONTEXT)
        claims = decode_jwt(token, keys, require=["exp", "shop", "purpose"])
        if claims["purpose"] != _PURPOSE:
            raise ValueError("not a stream token")
        return int(claims["shop"])
    except (jwt.PyJWTError, TypeError, ValueError):
        raise Unauthorized("invalid or expired live stream link: reload the page") from None


async def live_stream_shop(
    request: Request, runtime: RuntimeDep, session: SessionDep
) -> SignedInShop:
    """The shop of a stream request: from its stream token when it has one, otherwise from
    its session token or cookie session, as every other request."""
    token = request.query_params.get(STREAM_TOKEN_PARAM)
    if token is None:
        return await current_shop(request, runtime, session)
    shop = await repository.get_shop(session, read_stream_token(token, runtime.settings))
    if shop is None or shop.status is not ShopStatus.ACTIVE:
        raise Unauthorized("this shop is no longer connected: reconnect it from the store")
    return SignedInShop.of(shop)


LiveShopDep = Annotated[SignedInShop, Depends(live_stream_shop)]
