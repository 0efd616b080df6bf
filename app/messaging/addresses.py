"""Addresses as the send log and the unsubscribe list hold them (a per-shop digest), and the
signed unsubscribe tokens our marketing e-mails carry.

The digest is SHA-256 over the shop and the trimmed lower-case address, without our secret
key: an unsubscribe must outlive a rotation of `STOREOKR_SECRET_KEY`, and a digest we could no
longer recompute would forget it. The same address gives different digests in different shops.

A marketing token is `<shop id>.<address digest>.<language>.<HMAC>`, a digest token
`<shop id>.digest.<address digest>.<language>.<HMAC>` (the list is signed with the rest, so one
cannot be turned into the other; marketing tokens kept the form they had before the digest had
its own, so links in e-mails already sent still work). A token names no address (a URL in a log
reveals none), cannot be altered or made up without our key, and never expires (RFC 8058 asks
that one-click links keep working). Signed with `derived_key`; any key of `verification_keys`
verifies it, so links in e-mails already sent survive a key rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from app.config import Settings
from app.crypto import derived_key, verification_keys
from app.messaging.models import MailingList

LANGUAGES = ("en", "es", "de")
_CONTEXT = b"storeokr/marketing-unsubscribe/v1"
_TOKEN = re.compile(
    r"(\d{1,15})\.(?:(digest)\.)?([0-9a-f]{64})\.(en|es|de)\.([A-Za-z0-9_-]{43})", re.ASCII
)


def normalised(address: str) -> str:
    return address.strip().lower()


def address_digest(shop_id: int, address: str) -> str:
    return hashlib.sha256(f"{shop_id}:{normalised(address)}".encode()).hexdigest()


@dataclass(frozen=True)
class Unsubscriber:
    """Who a valid token speaks for, and the language of the e-mail it came in."""

    shop_id: int
    address_digest: str
    language: str
    mailing_list: MailingList = MailingList.MARKETING


def unsubscribe_token(
    settings: Settings,
    shop_id: int,
    address: str,
    language: str,
    mailing_list: MailingList = MailingList.MARKETING,
) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"no unsubscribe page in {language!r}")
    payload = _payload(shop_id, mailing_list, address_digest(shop_id, address), language)
    return f"{payload}.{_signed(payload, derived_key(settings, _CONTEXT)).decode()}"


def unsubscribe_url(
    settings: Settings,
    shop_id: int,
    address: str,
    language: str,
    mailing_list: MailingList = MailingList.MARKETING,
) -> str:
    token = unsubscribe_token(settings, shop_id, address, language, mailing_list)
    return settings.public(f"/u/{token}")


def read_token(settings: Settings, token: str) -> Unsubscriber | None:
    """Who the token speaks for, if we signed it; None for anything else."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    shop_id, digest_list, digest, language, signature = match.groups()
    mailing_list = MailingList.DIGEST if digest_list else MailingList.MARKETING
    payload = _payload(shop_id, mailing_list, digest, language)  # as signed: no leading zeros
    given = signature.encode()  # compared as bytes: compare_digest refuses non-ASCII str
    if not any(
        hmac.compare_digest(given, _signed(payload, key))
        for key in verification_keys(settings, _CONTEXT)
    ):
        return None
    return Unsubscriber(int(shop_id), digest, language, mailing_list)


def _payload(shop_id: int | str, mailing_list: MailingList, digest: str, language: str) -> str:
    if mailing_list is MailingList.MARKETING:
        return f"{shop_id}.{digest}.{language}"  # as before the lists were told apart
    return f"{shop_id}.{mailing_list.value}.{digest}.{language}"


def _signed(payload: str, key: bytes) -> bytes:
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=")
