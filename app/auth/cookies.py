"""The admin cookie session of merchants who arrive without App Bridge (WooCommerce): a signed,
expiring token naming the shop, with the CSRF secret that its forms must echo, and the other
shops this browser signed in to with their own login links (the store switcher's list)."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
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
# A browser is one person's: a handful of stores, and a cookie well under browsers' 4 KB.
MAX_SHOPS = 20


@dataclass(frozen=True)
class CookieSession:
    shop_id: int
    csrf_token: str
    # Every shop this browser reached by a login link, the current one first: each was proven
    # by a link of its own, so switching between them needs no new link.
    shops: tuple[int, ...] = ()


def _signing_key(settings: Settings) -> bytes:
    return derived_key(settings, _CONTEXT)


def start_session(
    response: Response, settings: Settings, shop_id: int, also: Iterable[int] = ()
) -> CookieSession:
    """A session for `shop_id` that can still switch to the shops in `also` (an earlier
    session's, when one login follows another in the same browser)."""
    shops = tuple(dict.fromkeys((shop_id, *also)))[:MAX_SHOPS]
    session = CookieSession(shop_id=shop_id, csrf_token=random_token(24), shops=shops)
    now = utcnow()
    claims = {"shop": shop_id, "shops": list(shops), "csrf": session.csrf_token}
    token = jwt.encode(
        {**claims, "iat": now, "exp": now + SESSION_LIFETIME},
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
        shop_id = int(claims["shop"])
        # A session from before the switcher names its one shop only.
        shops = tuple(int(shop) for shop in claims.get("shops", [shop_id]))
        return CookieSession(shop_id, str(claims["csrf"]), shops)
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        return None


def shops_of(cookie: str | None, settings: Settings) -> tuple[int, ...]:
    """The shops an existing session cookie reaches (none when there is no valid one): a new
    sign-in in the same browser keeps them."""
    session = read_session(cookie, settings) if cookie else None
    return session.shops if session else ()


def csrf_matches(session: CookieSession, given: str | None) -> bool:
    """Compared as bytes: compare_digest raises on a non-ASCII str, and the header or form
    field holds whatever the sender put there."""
    if given is None:
        return False
    expected = session.csrf_token.encode("utf-8", "surrogatepass")
    return hmac.compare_digest(expected, given.encode("utf-8", "surrogatepass"))
