"""Shopify's session token "bounce", for a page loaded inside the Shopify admin without a usable
session token.

Shopify puts a session token in the URL (`id_token`) when it loads one of our pages, and the
token lives a minute. The same address loaded again later has an expired token (the frame
reloaded), or none (the address a form in the admin moved the frame to, kept without a token so
that none lands in the browser's history). Shopify's documented answer: send the frame to a page
that only loads App Bridge, with the address to come back to in `shopify-reload`; App Bridge asks
the admin for a fresh token and loads that address again with it as `id_token`.

The load itself is still refused (401): an expired token grants nothing. Only a token that is
ours (signed with the app's secret, for its API key) and merely expired is bounced; a forged or
wrong one is refused as before, and cannot start a reload loop."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import jwt
from starlette.exceptions import HTTPException
from starlette.requests import Request

from app.auth.cookies import SESSION_COOKIE
from app.config import Settings
from app.integrations.shopify.domains import is_shop_domain
from app.integrations.shopify.session_token import LEEWAY_S

BOUNCE_PATH = "/admin/session-token-bounce"
RELOAD_PARAM = "shopify-reload"
# What App Bridge needs to start on the bounce page, and what the address keeps coming back.
EMBEDDED_PARAMS = ("embedded", "host", "shop", "locale")
_DOCUMENT_METHODS = frozenset({"GET", "HEAD"})


def needs_a_fresh_session_token(request: Request, settings: Settings) -> bool:
    """A page loaded by the Shopify admin with no session token (and no cookie session), or
    with one of ours that expired."""
    query = request.query_params
    shopify_load = (
        bool(settings.shopify_api_key)
        and request.method in _DOCUMENT_METHODS
        and "Authorization" not in request.headers
        and query.get("embedded") == "1"
        and is_shop_domain(query.get("shop", ""))
        and bool(query.get("host"))
    )
    if not shopify_load:
        return False
    token = query.get("id_token")
    if token:
        return is_expired_session_token(token, settings)
    return SESSION_COOKIE not in request.cookies  # a cookie session signs the page in itself


def is_expired_session_token(token: str, settings: Settings) -> bool:
    """Signed by Shopify for this app (with its current or, during a rotation, its previous
    secret), and past its expiry (other problems are not expiry)."""
    return any(
        _expired_under(token, secret, settings.shopify_api_key)
        for secret in settings.shopify_api_secrets
    )


def _expired_under(token: str, secret: str, audience: str) -> bool:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=audience,
            leeway=LEEWAY_S,
            options={"verify_exp": False, "require": ["exp"]},
        )
        expiry = float(claims["exp"])
    except (jwt.PyJWTError, TypeError, ValueError):
        return False
    return expiry < time.time() - LEEWAY_S


def bounce(request: Request, settings: Settings) -> HTTPException:
    """The load refused (401), with the frame sent on to the bounce page (`Refresh`: it works
    on any answer, where a redirect would not be a 401)."""
    return HTTPException(
        401,
        detail="the Shopify session token is missing or expired: the admin sends a fresh one",
        headers={"Refresh": f"0; url={bounce_url(request, settings)}"},
    )


def bounce_url(request: Request, settings: Settings) -> str:
    query = request.query_params
    kept = [(name, value) for name, value in query.multi_items() if name != "id_token"]
    back = f"{app_address(settings)}{request.url.path}"
    if kept:
        back += f"?{urlencode(kept)}"
    params = [(name, query[name]) for name in EMBEDDED_PARAMS if name in query]
    return f"{BOUNCE_PATH}?{urlencode([*params, (RELOAD_PARAM, back)])}"


def app_address(settings: Settings) -> str:
    return settings.public("")


def is_app_address(url: str, settings: Settings) -> bool:
    """An address of this app (the bounce page sends the frame to nothing else)."""
    return url.startswith(f"{app_address(settings)}/")
