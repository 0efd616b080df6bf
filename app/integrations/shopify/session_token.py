"""App Bridge session tokens: who is calling, from which shop. pyjwt does the JWT work."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import jwt

from app.errors import Unauthorized
from app.integrations.shopify.domains import is_shop_domain

LEEWAY_S = 10
_REQUIRED_CLAIMS = ["iss", "dest", "aud", "exp", "nbf", "sub"]


@dataclass(frozen=True)
class SessionToken:
    shop: str  # the myshopify domain
    user_id: str
    session_id: str | None


def verify_session_token(token: str, api_key: str, api_secret: str) -> SessionToken:
    """Check signature (HS256, app secret), audience (API key), time (10 s leeway) and that
    `iss` and `dest` name the same, well-formed shop."""
    if not api_key or not api_secret:
        raise Unauthorized("Shopify is not configured: set STOREOKR_SHOPIFY_API_KEY and _SECRET")
    try:
        claims = jwt.decode(
            token,
            api_secret,
            algorithms=["HS256"],
            audience=api_key,
            leeway=LEEWAY_S,
            options={"require": _REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError as error:
        raise Unauthorized(f"invalid Shopify session token: {error}") from None
    dest_host = urlsplit(str(claims["dest"])).hostname or ""
    iss = urlsplit(str(claims["iss"]))
    if not is_shop_domain(dest_host) or iss.hostname != dest_host or iss.path != "/admin":
        raise Unauthorized("invalid Shopify session token: iss and dest name different shops")
    return SessionToken(shop=dest_host, user_id=str(claims["sub"]), session_id=claims.get("sid"))
