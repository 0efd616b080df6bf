"""`ShopDep`: the shop a request acts for, from a Shopify session token or a cookie session, as
a `SignedInShop` (its id an `int`: what every shop-scoped query needs)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.auth.bounce import bounce, needs_a_fresh_session_token
from app.auth.cookies import SESSION_COOKIE, csrf_matches, read_session
from app.auth.embedded import shop_from_session_token
from app.auth.signed_out import SignedOut
from app.deps import RuntimeDep, SessionDep
from app.errors import Forbidden, Unauthorized
from app.shops import repository
from app.shops.models import Shop, ShopStatus, SignedInShop

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def current_shop(request: Request, runtime: RuntimeDep, session: SessionDep) -> SignedInShop:
    return SignedInShop.of(await _signed_in_row(request, runtime, session))


async def _signed_in_row(request: Request, runtime: RuntimeDep, session: SessionDep) -> Shop:
    if needs_a_fresh_session_token(request, runtime.settings):
        raise bounce(request, runtime.settings)
    token = shopify_session_token(request)
    if token is not None:
        shop = await shop_from_session_token(runtime, session, token)
        # Signed in by a session token that held: a page the Shopify admin loaded, or a request
        # its App Bridge sent (a form posted from such a page): its page runs inside Shopify.
        request.state.embedded_load = True
        return shop
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return await _shop_from_cookie(request, runtime, session, cookie)
    raise Unauthorized(
        "sign in: open StoreOKR from your store's admin, or use a login link "
        "(`storeokr shop login-link SHOP`)",
        details={"reason": SignedOut.NO_SESSION},
    )


async def shop_if_signed_in(
    request: Request, runtime: RuntimeDep, session: SessionDep
) -> SignedInShop | None:
    """The shop, or None when the request carries no credentials at all (a page can then
    explain how to sign in); wrong credentials are refused as by `current_shop`, and a Shopify
    load without a usable session token is sent for a fresh one."""
    if needs_a_fresh_session_token(request, runtime.settings):
        raise bounce(request, runtime.settings)
    credentials = (
        request.headers.get("Authorization")
        or request.cookies.get(SESSION_COOKIE)
        or is_embedded_load(request)
    )
    if not credentials:
        return None
    return await current_shop(request, runtime, session)


def shopify_session_token(request: Request) -> str | None:
    """The App Bridge session token of a request from the Shopify admin: its bearer token, or
    the `id_token` Shopify adds to the URL when it loads one of our pages (`embedded=1`), which
    is read on safe methods only."""
    authorization = request.headers.get("Authorization", "")
    if authorization.startswith("Bearer "):
        return authorization.removeprefix("Bearer ").strip()
    if request.method in _SAFE_METHODS and is_embedded_load(request):
        return request.query_params["id_token"]
    return None


def is_embedded_load(request: Request) -> bool:
    """Shopify loading one of our pages inside its admin, with a session token in the URL
    (not yet verified: `signed_in_embedded` says whether it was)."""
    query = request.query_params
    return query.get("embedded") == "1" and bool(query.get("id_token"))


async def _shop_from_cookie(
    request: Request, runtime: RuntimeDep, session: SessionDep, cookie: str
) -> Shop:
    cookie_session = read_session(cookie, runtime.settings)
    if cookie_session is None:
        raise Unauthorized(
            "your session has expired: use a new login link",
            details={"reason": SignedOut.EXPIRED},
        )
    if request.method not in _SAFE_METHODS and not csrf_matches(
        cookie_session, await _given_csrf_token(request)
    ):
        raise Forbidden("the form's CSRF token is missing or wrong: reload the page and retry")
    shop = await repository.get_shop(session, cookie_session.shop_id)
    if shop is None or shop.status is not ShopStatus.ACTIVE:
        raise Unauthorized(
            "this shop is no longer connected: reconnect it from the store",
            details={"reason": SignedOut.DISCONNECTED},
        )
    return shop


async def _given_csrf_token(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


ShopDep = Annotated[SignedInShop, Depends(current_shop)]
MaybeShopDep = Annotated[SignedInShop | None, Depends(shop_if_signed_in)]


def signed_in_embedded(request: Request) -> bool:
    """Whether this request was signed in by a Shopify session token: a page load of the
    Shopify admin (`id_token` in the URL) or a request App Bridge sent from one (a bearer
    token): either way, its page is shown inside the Shopify admin."""
    return bool(getattr(request.state, "embedded_load", False))
