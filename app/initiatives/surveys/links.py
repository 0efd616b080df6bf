"""Signed survey links: a token names one invitation (so one customer and one order) or, for
the widget, one order of one shop, and nothing else — no address, no name.

An invitation's token is `<shop id>.<invitation id>.<HMAC>`: the e-mail's score links are
`/s/<token>/<score>` (the score is the reader's choice; the token says whose answer it is) and
its hosted page is `/s/<token>`. A widget's order reference is `<shop id>.<order id>.<HMAC>`,
made by the shop's own page from a value only we and the shop can sign (`widget`). Signed with
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
