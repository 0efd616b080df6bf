"""Shop domains: only `*.myshopify.com` names are ever trusted as a shop."""

from __future__ import annotations

import re

from app.errors import BadRequest

_SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")


def is_shop_domain(value: str) -> bool:
    return bool(_SHOP_DOMAIN.fullmatch(value))


def require_shop_domain(value: str | None) -> str:
    domain = (value or "").strip().lower()
    if not is_shop_domain(domain):
        raise BadRequest(
            "shop must be the store's myshopify.com domain (e.g. my-store.myshopify.com)",
            details={"shop": value},
        )
    return domain
