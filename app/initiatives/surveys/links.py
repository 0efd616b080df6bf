"""Signed survey links: a token names one invitation (so one customer and one order) or, for
the widget, one order of one shop, and nothing else — no address, no name.

An invitation's token is `<shop id>.<invitation id>.<HMAC>`: the e-mail's score links are
`/s/<token>/<score>` (the score is the reader's choice; the token says whose answer it is) and
its hosted page is `/s/<token>`. A widget's order reference is `<order id>.<HMAC-SHA256 hex>`,
signed on the shop's own page (Liquid or PHP, server-side) with the survey's widget key, which
only we and the shop's theme hold (`widget_key`): the page carries no personal data, and an
order id alone answers nothing. Signed with
`derived_key` under a purpose of their own, checked with every key of `verification_keys`, so
links already sent survive a rotation of `STOREOKR_SECRET_KEY`; they never expire (an e-mail is
read when it is read)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from app.config import Settings
from app.crypto import derived_key, verification_keys

_INVITATION = b"storeokr/survey-invitation/v1"
_WIDGET = b"storeokr/survey-widget/v1"
_REFERENCE = re.compile(r"([A-Za-z0-9_-]{1,64})\.([0-9a-f]{64})", re.ASCII)
_SIGNATURE = r"([A-Za-z0-9_-]{43})"
_TOKEN = re.compile(r"(\d{1,15})\.(\d{1,15})\." + _SIGNATURE, re.ASCII)
PAGE_PATH = "/s/"


@dataclass(frozen=True)
class Invited:
    shop_id: int
    invitation_id: int


def invitation_token(settings: Settings, shop_id: int, invitation_id: int) -> str:
    return sign(settings, _INVITATION, f"{shop_id}.{invitation_id}")


def page_url(settings: Settings, shop_id: int, invitation_id: int) -> str:
    return settings.public(f"{PAGE_PATH}{invitation_token(settings, shop_id, invitation_id)}")


def score_url(settings: Settings, shop_id: int, invitation_id: int, score: int) -> str:
    return f"{page_url(settings, shop_id, invitation_id)}/{score}"


def read_invitation(settings: Settings, token: str) -> Invited | None:
    """The invitation a token we signed names; None for anything else."""
    match = _TOKEN.fullmatch(token)
    if match is None or not verified(settings, _INVITATION, f"{match[1]}.{match[2]}", match[3]):
        return None
    return Invited(int(match[1]), int(match[2]))


def widget_key(settings: Settings, shop_id: int, initiative_id: int) -> str:
    """The key a survey's widget snippet signs order ids with on the shop's own page (Liquid's
    `hmac_sha256`, PHP's `hash_hmac`): hex, so that both take it as the same text."""
    return _widget_keys(settings, shop_id, initiative_id)[0]


def order_reference(settings: Settings, shop_id: int, initiative_id: int, order_id: str) -> str:
    """What the shop's page gives the widget for an order: `<order id>.<HMAC-SHA256 hex>`."""
    key = widget_key(settings, shop_id, initiative_id)
    return f"{order_id}.{hmac.new(key.encode(), order_id.encode(), hashlib.sha256).hexdigest()}"


def read_order_reference(
    settings: Settings, shop_id: int, initiative_id: int, reference: str
) -> str | None:
    """The order id of a reference signed with one of the survey's widget keys (the current
    one, or one from before a rotation of our secret key); None for anything else."""
    match = _REFERENCE.fullmatch(reference)
    if match is None:
        return None
    given = match[2].encode()
    for key in _widget_keys(settings, shop_id, initiative_id):
        expected = hmac.new(key.encode(), match[1].encode(), hashlib.sha256).hexdigest()
        if hmac.compare_digest(given, expected.encode()):
            return match[1]
    return None


def _widget_keys(settings: Settings, shop_id: int, initiative_id: int) -> list[str]:
    payload = f"{shop_id}.{initiative_id}".encode()
    return [
        hmac.new(key, payload, hashlib.sha256).hexdigest()
        for key in verification_keys(settings, _WIDGET)
    ]


def sign(settings: Settings, purpose: bytes, payload: str) -> str:
    return f"{payload}.{_signed(payload, derived_key(settings, purpose))}"


def verified(settings: Settings, purpose: bytes, payload: str, signature: str) -> bool:
    given = signature.encode()  # compared as bytes: compare_digest refuses non-ASCII str
    return any(
        hmac.compare_digest(given, _signed(payload, key).encode())
        for key in verification_keys(settings, purpose)
    )


def _signed(payload: str, key: bytes) -> str:
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
