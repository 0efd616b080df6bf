"""The admin cookie session of merchants who arrive without App Bridge (WooCommerce): a signed,
expiring token naming the shop, with the CSRF secret that its forms must echo."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta

import jwt
from starlette.responses import Response

from app.config import Settings
from app.crypto import decode_jwt, derived_key, random_token, verification_keys
from app.db import utcnow

SESSION_COOKIE = "storeokr_session"
SESSION_LIFETIME = timedelta(hours=12)
_CONTEXT = b"storeokr/admin-session/v1"


@dataclass(frozen=True)
class CookieSession:
    shop_id: int
    csrf_token: str


def _signing_key(settings: Settings) -> bytes:
    return derived_key(settings, _CONTEXT)


def start_session(response: Response, settings: Settings, shop_id: int) -> CookieSession:
    session = CookieSession(shop_id=shop_id, csrf_token=random_token(24))
    now = utcnow()
    token = jwt.encode(
        {"shop": shop_id, "csrf": session.csrf_token, "iat": now, "exp": now + SESSION_LIFETIME},
        _signing_key(settings),
        algorithm="HS256",
    )
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        secure=settings.env == "production",
        samesite="lax",
        path="/",
    )
    return session


def read_session(token: str, settings: Settings) -> CookieSession | None:
    try:
        claims = decode_jwt(token, verification_keys(settings, _CONTEXT), require=["exp"])
        return CookieSession(shop_id=int(claims["shop"]), csrf_token=str(claims["csrf"]))
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        return None


def csrf_matches(session: CookieSession, given: str | None) -> bool:
    """Compared as bytes: compare_digest raises on a non-ASCII str, and the header or form
    field holds whatever the sender put there."""
    if given is None:
        return False
    expected = session.csrf_token.encode("utf-8", "surrogatepass")
    return hmac.compare_digest(expected, given.encode("utf-8", "surrogatepass"))
