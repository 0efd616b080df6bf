"""Recovery links of our own, for stores that give an abandoned checkout none (WooCommerce):
`/r/<token>` on our host, which fills a new cart on the store with the checkout's lines and
opens its checkout (the platform adapter's `cart_url`: WooCommerce's shareable checkout link),
our marker and `utm_*` kept in the address the store's checkout opens on.

A token is `<shop id>.<send id>.<checkout token in URL-safe base64>.<HMAC>`: it names the
message (the marker the order will carry) and the checkout, never an address or the cart
itself; the lines are read from the mirror when the link is followed, so it rebuilds the cart
as the store last told us. It cannot be altered or made up without our key (signed with
`derived_key`, checked with every key of `verification_keys`, so a rotation of
`STOREOKR_SECRET_KEY` leaves links in e-mails already sent working), and does not expire: a
checkout bought meanwhile sends the shopper to the shop instead.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce import repository as mirror
from app.commerce.models import Checkout
from app.config import Settings
from app.crypto import derived_key, verification_keys
from app.initiatives.emails import MARKER, storefront, with_marker
from app.initiatives.steps import shop_gone
from app.integrations.adapters import adapter_for
from app.integrations.base import CartItem
from app.shops.models import Shop

_CONTEXT = b"storeokr/cart-link/v1"
PATH = "/r/"
_TOKEN = re.compile(
    r"(\d{1,15})\.(\d{1,15})\.([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{43})", re.ASCII
)
# What the store's analytics (WooCommerce Order Attribution) records of the visit.
UTM = (("utm_source", "storeokr"), ("utm_medium", "email"), ("utm_campaign", "cart-recovery"))


@dataclass(frozen=True)
class CartLink:
    """What a valid token names: the shop, the message that carried it, and the checkout."""

    shop_id: int
    send_id: int
    checkout_token: str


def cart_token(settings: Settings, link: CartLink) -> str:
    encoded = base64.urlsafe_b64encode(link.checkout_token.encode()).rstrip(b"=").decode()
    payload = f"{link.shop_id}.{link.send_id}.{encoded}"
    return f"{payload}.{_signed(payload, derived_key(settings, _CONTEXT))}"


def read_cart_token(settings: Settings, token: str) -> CartLink | None:
    """The link a token we signed names; None for anything else (altered, made up)."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    payload, given = f"{match[1]}.{match[2]}.{match[3]}", match[4].encode()
    if not any(
        hmac.compare_digest(given, _signed(payload, key).encode())
        for key in verification_keys(settings, _CONTEXT)
    ):
        return None
    try:
        checkout_token = base64.urlsafe_b64decode(match[3] + "=" * (-len(match[3]) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return CartLink(int(match[1]), int(match[2]), checkout_token)


def items_of(lines: Sequence[dict[str, Any]] | None) -> list[CartItem] | None:
    """The cart to rebuild: every line with its product and a quantity, or None (a line the
    store did not name a product for — a fee, a line kept before products were — cannot be
    added again, and a cart rebuilt without it would not be the shopper's)."""
    items = []
    for line in lines or []:
        product, quantity = line.get("product_id"), line.get("quantity")
        if not product or not isinstance(quantity, int) or quantity < 1:
            return None
        items.append(CartItem(str(product), line.get("variant_id") or None, quantity))
    return items or None


def recovery_link(settings: Settings, shop: Shop, checkout: Checkout, send_id: int) -> str | None:
    """Where a recovery e-mail sends the shopper, with the marker of message `send_id`: the
    checkout's own recovery URL (Shopify), else our cart link where the platform can rebuild
    the cart; None when neither can be given."""
    if checkout.recovery_url:
        return with_marker(checkout.recovery_url, send_id)
    items = items_of(checkout.lines)
    if items is None or adapter_for(shop.platform).cart_url(storefront(shop), items, ()) is None:
        return None
    link = CartLink(shop.id or 0, send_id, checkout.token)
    return settings.public(f"{PATH}{cart_token(settings, link)}")


async def destination(session: AsyncSession, link: CartLink) -> str | None:
    """Where a followed cart link goes: the store's address that rebuilds the checkout's cart;
    the shop itself when the checkout was completed meanwhile (or its cart can no longer be
    rebuilt); None when the shop or the checkout is not one we know (404)."""
    shop = await session.get(Shop, link.shop_id)
    if shop is None or shop_gone(shop):
        return None
    checkout = await mirror.get_checkout(session, link.shop_id, link.checkout_token)
    if checkout is None:
        return None
    store = storefront(shop)
    items = items_of(checkout.lines)
    if checkout.completed_at is not None or items is None:
        return store
    marker = [(MARKER, str(link.send_id))] if link.send_id else []
    return adapter_for(shop.platform).cart_url(store, items, [*marker, *UTM]) or store


def _signed(payload: str, key: bytes) -> str:
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
