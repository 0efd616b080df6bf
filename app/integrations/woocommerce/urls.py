"""Store URLs: the one form we keep for a WooCommerce store (scheme, host, optional path)."""

from __future__ import annotations

from urllib.parse import urlsplit

from app.errors import BadRequest


def normalise_store_url(value: str) -> str | None:
    """The stored form of a store URL (as `require_store_url` makes it), or None if it is not
    one. WooCommerce names itself so in `X-WC-Webhook-Source` (`home_url('/')`)."""
    try:
        return require_store_url(value, allow_http=True)
    except BadRequest:
        return None


def require_store_url(value: str, *, allow_http: bool) -> str:
    """`https://Store.Example/shop/` → `https://store.example/shop`; plain http only when
    allowed (development): production key exchange must be over https."""
    parts = urlsplit(value.strip())
    schemes = {"https", "http"} if allow_http else {"https"}
    if parts.scheme not in schemes or not parts.hostname or parts.query or parts.fragment:
        raise BadRequest(
            "store_url must be the store's address, like https://store.example",
            details={"store_url": value},
        )
    host = parts.hostname.lower() + (f":{parts.port}" if parts.port else "")
    return f"{parts.scheme}://{host}{parts.path.rstrip('/')}"
