"""The recovery e-mail: the shopper's first name, their cart's lines with prices in the shop's
currency as their language writes them, and the checkout's recovery link with our tracking
marker (`?storeokr=<send id>`), in HTML and plain text (templates/recovery.<lang>.html|txt)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from app.commerce.models import Checkout
from app.messaging.email import Email
from app.messaging.rendering import money, render
from app.shops.models import Shop

__all__ = ["Email", "recovery_email", "with_marker"]

TEMPLATES = Path(__file__).parent / "templates"
MARKER = "storeokr"
SUBJECTS = {
    "en": "You left something in your cart",
    "es": "Has dejado algo en tu carrito",
    "de": "Du hast etwas in deinem Warenkorb vergessen",
}


def with_marker(url: str, send_id: int) -> str:
    """`url` with `storeokr=<send id>` added to its query (its own parameters kept)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != MARKER]
    query.append((MARKER, str(send_id)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def recovery_email(
    shop: Shop, checkout: Checkout, language: str, send_id: int, unsubscribe: str
) -> Email:
    assert checkout.recovery_url is not None
    lines = [
        {
            "title": str(line.get("title") or ""),
            "quantity": int(line.get("quantity") or 0),
            "price": money(_amount(line.get("unit_price")), shop.currency, language),
        }
        for line in checkout.lines or []
    ]
    context = {
        "first_name": checkout.first_name or "",
        "lines": lines,
        "total": money(checkout.total, shop.currency, language),
        "link": with_marker(checkout.recovery_url, send_id),
        "shop_name": shop.name or shop.domain,
        "unsubscribe": unsubscribe,
    }
    return Email(
        to=checkout.email or "",
        subject=SUBJECTS[language],
        text=render(TEMPLATES, "recovery", language, "txt", context),
        html=render(TEMPLATES, "recovery", language, "html", context),
        sender_name=shop.name or None,
        reply_to=shop.email,
    )


def _amount(value: object) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal("0")
