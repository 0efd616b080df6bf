"""The recovery e-mail: the shopper's first name, their cart's lines with prices in the shop's
currency as their language writes them (and, in HTML, their pictures), and the recovery link
with our tracking marker (`?storeokr=<send id>`; on WooCommerce our cart link, which names its
message itself: `cart_links`), in HTML and plain text (templates/recovery.<lang>.html|txt).
The win-back e-mail: the customer's own single-use code, what it takes off and when it expires
in the shop's time zone (templates/win_back.<lang>.html|txt).

A message sent writes its links through signed click redirects and carries an open pixel
(`links`: `app.messaging.tracking.Tracker`); a preview leaves them as they are (`UNTRACKED`).
The unsubscribe link is never wrapped: it must work as RFC 8058 gives it, and is no click.
The sender name and Reply-To are the shop's messaging settings, written on the message by
`app.messaging.marketing.send_marketing` (and on a test copy by the admin's preview)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_percent

from app.commerce.models import Checkout
from app.integrations.base import DiscountKind
from app.messaging.email import Email
from app.messaging.rendering import money, render
from app.messaging.tracking import UNTRACKED, Links
from app.shops.models import Shop

__all__ = ["DEFAULT_WORDING", "Email", "Wording", "recovery_email", "win_back_email", "with_marker"]

TEMPLATES = Path(__file__).parent / "templates"
MARKER = "storeokr"
SUBJECTS = {
    "en": "You left something in your cart",
    "es": "Has dejado algo en tu carrito",
    "de": "Du hast etwas in deinem Warenkorb vergessen",
}


@dataclass(frozen=True)
class Wording:
    """An experiment variant's own subject line and opening paragraph (plain text, escaped in
    the HTML part); left empty, the e-mail's own."""

    subject: str | None = None
    note: str | None = None


DEFAULT_WORDING = Wording()


def with_marker(url: str, send_id: int) -> str:
    """`url` with `storeokr=<send id>` added to its query (its own parameters kept)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != MARKER]
    query.append((MARKER, str(send_id)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def recovery_email(
    shop: Shop,
    checkout: Checkout,
    language: str,
    send_id: int,
    unsubscribe: str,
    links: Links = UNTRACKED,
    destination: str | None = None,
    wording: Wording = DEFAULT_WORDING,
) -> Email:
    """The recovery e-mail of `checkout`, its links going to `destination` (already marked:
    `app.initiatives.cart_links.recovery_link`), by default the checkout's own recovery URL
    with the marker of message `send_id`. Each line shows its picture when the store gave one
    and links to the cart as the button does; the text part lists them without pictures."""
    if destination is None:
        assert checkout.recovery_url is not None
        destination = with_marker(checkout.recovery_url, send_id)
    link = links.link(destination)
    lines = [
        {
            "title": str(line.get("title") or ""),
            "quantity": int(line.get("quantity") or 0),
            "price": money(_amount(line.get("unit_price")), shop.currency, language),
            "image": _picture(line.get("image_url")),
            "link": link,
        }
        for line in checkout.lines or []
    ]
    context = {
        "first_name": checkout.first_name or "",
        "lines": lines,
        "total": money(checkout.total, shop.currency, language),
        "link": link,
        "shop_name": shop.name or shop.domain,
        "unsubscribe": unsubscribe,
        "pixel": links.pixel,
        "note": wording.note or "",
    }
    return Email(
        to=checkout.email or "",
        subject=wording.subject or SUBJECTS[language],
        text=render(TEMPLATES, "recovery", language, "txt", context),
        html=render(TEMPLATES, "recovery", language, "html", context),
    )


WIN_BACK_SUBJECTS = {
    "en": ("A gift to welcome you back: {offer} off", "Your {offer} off ends soon"),
    "es": (
        "Un regalo para tu vuelta: {offer} de descuento",
        "Tu {offer} de descuento termina pronto",
    ),
    "de": ("Ein Geschenk zu deiner Rückkehr: {offer} Rabatt", "Dein Rabatt von {offer} endet bald"),
}


@dataclass(frozen=True)
class Offer:
    code: str
    kind: DiscountKind
    value: Decimal
    expires_at: datetime


def win_back_email(
    shop: Shop,
    first_name: str | None,
    offer: Offer,
    language: str,
    step: int,
    unsubscribe: str,
    links: Links = UNTRACKED,
    wording: Wording = DEFAULT_WORDING,
) -> Email:
    """The win-back e-mail (step 1) or its reminder (step 2): the customer's own code, what it
    takes off, and when it expires in the shop's time zone, written as `language` writes it."""
    context = {
        "first_name": first_name or "",
        "code": offer.code,
        "offer": describe(offer, shop.currency, language),
        "expires": expiry(offer.expires_at, shop.timezone, language),
        "reminder": step > 1,
        "link": links.link(storefront(shop)),
        "shop_name": shop.name or shop.domain,
        "unsubscribe": unsubscribe,
        "pixel": links.pixel,
        "note": wording.note or "",
    }
    subject = WIN_BACK_SUBJECTS[language][min(step, 2) - 1].format(offer=context["offer"])
    return Email(
        to="",
        subject=wording.subject or subject,
        text=render(TEMPLATES, "win_back", language, "txt", context),
        html=render(TEMPLATES, "win_back", language, "html", context),
    )


def describe(offer: Offer, currency: str, language: str) -> str:
    """ "10%" / "10 %" or "€5.00" / "5,00 €", as the reader's language writes it."""
    if offer.kind is DiscountKind.PERCENTAGE:
        return format_percent(offer.value / 100, locale=language)
    return money(offer.value, currency, language)


def expiry(at: datetime, timezone: str, language: str) -> str:
    """The moment in the shop's time zone, with the zone named ("December 4, 2026, 10:00 CET")."""
    zone = ZoneInfo(timezone)
    day = format_date(at.astimezone(zone), "long", locale=language)
    clock = format_time(at, "HH:mm", tzinfo=zone, locale=language)
    return f"{day}, {clock} {at.astimezone(zone).tzname()}"


def storefront(shop: Shop) -> str:
    """The shop's address: WooCommerce's domain is its URL, Shopify's is a host name."""
    domain = shop.domain
    return domain if domain.startswith(("https://", "http://")) else f"https://{domain}"


def _picture(value: object) -> str | None:
    """A line's picture when it is a web address (an e-mail client loads nothing else)."""
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else None


def _amount(value: object) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal("0")
