"""App Bridge session tokens: who is calling, from which shop. pyjwt does the JWT work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
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


def verify_session_token(token: str, api_key: str, api_secrets: tuple[str, ...]) -> SessionToken:
    """Check signature (HS256, by the app's secret or, during a rotation, its old one),
    audience (API key), time (10 s leeway) and that `iss` and `dest` name the same,
    well-formed shop."""
    if not api_key or not any(api_secrets):
        raise Unauthorized("Shopify is not configured: set STOREOKR_SHOPIFY_API_KEY and _SECRET")
    claims = _signed_claims(token, api_key, [secret for secret in api_secrets if secret])
    dest_host = urlsplit(str(claims["dest"])).hostname or ""
    iss = urlsplit(str(claims["iss"]))
    if not is_shop_domain(dest_host) or iss.hostname != dest_host or iss.path != "/admin":
        raise Unauthorized("invalid Shopify session token: iss and dest name different shops")
    return SessionToken(shop=dest_host, user_id=str(claims["sub"]), session_id=claims.get("sid"))


def _signed_claims(token: str, api_key: str, secrets: list[str]) -> dict[str, Any]:
    """The claims, checked with the first secret whose signature matches. The signature is
    checked before the claims, so any other error is the token's, whichever secret."""
    for secret in secrets:
        try:
            return jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                audience=api_key,
                leeway=LEEWAY_S,
                options={"require": _REQUIRED_CLAIMS},
            )
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as error:
            raise Unauthorized(f"invalid Shopify session token: {error}") from None
    raise Unauthorized("invalid Shopify session token: Signature verification failed")
