"""Open and click tracking of marketing e-mails: a 1×1 pixel and signed click redirects, each
naming the message by its row in the send log (`marketing_sends`), and what they record there:
the first open (`opened_at`) and the first click (`clicked_at`); later ones change nothing.
A first one is told after commit (`MessagesMoved`), so the marketing metrics move live.

A pixel's token is `<shop id>.<send id>.<HMAC>`; a click's is `<shop id>.<send id>.<destination
in URL-safe base64>.<HMAC>`, the signature covering the destination: a link of ours cannot be
turned into a redirect to anywhere else (no open redirect), and neither can be made up without
our key. Signed with `derived_key`, checked with every key of `verification_keys`, so links in
e-mails already sent survive a rotation of `STOREOKR_SECRET_KEY`; they never expire (an e-mail
is read when it is read). A token names no address; the destination (a checkout's recovery
link) is in the click's path, so the request log masks it (`app.middleware.loggable_path`).

Only a message that was handed to the SMTP server records anything: a preview's or test
send's links name no row (`UNTRACKED` leaves them as they are and adds no pixel).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import urlsplit

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.crypto import derived_key, verification_keys
from app.events import publish_after_commit
from app.messaging.events import MessagesMoved
from app.messaging.models import MarketingSend, SendStatus

_CONTEXT = b"storeokr/marketing-tracking/v1"
OPEN_PATH, CLICK_PATH = "/m/o/", "/m/c/"
MAX_DESTINATION = 2048  # characters; a longer link is left untracked rather than cut
_SIGNATURE = r"([A-Za-z0-9_-]{43})"
_OPEN = re.compile(r"(\d{1,15})\.(\d{1,15})\." + _SIGNATURE, re.ASCII)
_CLICK = re.compile(r"(\d{1,15})\.(\d{1,15})\.([A-Za-z0-9_-]{1,2800})\." + _SIGNATURE, re.ASCII)


@dataclass(frozen=True)
class Click:
    """What a valid click token says: the message and where the reader goes."""

    shop_id: int
    send_id: int
    destination: str


def open_token(settings: Settings, shop_id: int, send_id: int) -> str:
    payload = f"{shop_id}.{send_id}"
    return f"{payload}.{_signed(payload, derived_key(settings, _CONTEXT))}"


def click_token(settings: Settings, shop_id: int, send_id: int, destination: str) -> str:
    if not is_web_address(destination) or len(destination) > MAX_DESTINATION:
        raise ValueError("only an http(s) link of at most 2048 characters is tracked")
    encoded = base64.urlsafe_b64encode(destination.encode()).rstrip(b"=").decode()
    payload = f"{shop_id}.{send_id}.{encoded}"
    return f"{payload}.{_signed(payload, derived_key(settings, _CONTEXT))}"


def read_open(settings: Settings, token: str) -> tuple[int, int] | None:
    """(shop id, send id) of a pixel token we signed; None for anything else."""
    match = _OPEN.fullmatch(token)
    if match is None or not _verified(settings, f"{match[1]}.{match[2]}", match[3]):
        return None
    return int(match[1]), int(match[2])


def read_click(settings: Settings, token: str) -> Click | None:
    """The click a token we signed names; None for anything else (altered, made up)."""
    match = _CLICK.fullmatch(token)
    if match is None or not _verified(settings, f"{match[1]}.{match[2]}.{match[3]}", match[4]):
        return None
    try:
        padded = match[3] + "=" * (-len(match[3]) % 4)
        destination = base64.urlsafe_b64decode(padded).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    if not is_web_address(destination):
        return None
    return Click(int(match[1]), int(match[2]), destination)


def is_web_address(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("https", "http") and bool(parts.netloc)


class Links(Protocol):
    """How an e-mail's links are written: `Tracker` for a message sent, `UNTRACKED` else."""

    def link(self, destination: str) -> str: ...

    @property
    def pixel(self) -> str | None: ...


@dataclass(frozen=True)
class Tracker:
    """The links of one sent message: each wrapped in a signed redirect, and its pixel."""

    settings: Settings
    shop_id: int
    send_id: int

    def link(self, destination: str) -> str:
        if not is_web_address(destination) or len(destination) > MAX_DESTINATION:
            return destination
        token = click_token(self.settings, self.shop_id, self.send_id, destination)
        return self.settings.public(f"{CLICK_PATH}{token}")

    @property
    def pixel(self) -> str | None:
        token = open_token(self.settings, self.shop_id, self.send_id)
        return self.settings.public(f"{OPEN_PATH}{token}.gif")


class Untracked:
    """A preview's or test send's links: left as they are, and no pixel."""

    def link(self, destination: str) -> str:
        return destination

    @property
    def pixel(self) -> str | None:
        return None


UNTRACKED = Untracked()


async def record_open(session: AsyncSession, shop_id: int, send_id: int, now: datetime) -> bool:
    """The message's first open, if it was sent and not opened before; whether recorded."""
    return await _first(session, "opened_at", shop_id, send_id, now)


async def record_click(session: AsyncSession, shop_id: int, send_id: int, now: datetime) -> bool:
    """The message's first click, if it was sent and not clicked before; whether recorded."""
    return await _first(session, "clicked_at", shop_id, send_id, now)


async def _first(
    session: AsyncSession, column: str, shop_id: int, send_id: int, now: datetime
) -> bool:
    # One statement: two loads of the pixel at once cannot both be the first.
    moment = getattr(MarketingSend, column)
    result = await session.exec(
        update(MarketingSend)
        .where(
            col(MarketingSend.shop_id) == shop_id,
            col(MarketingSend.id) == send_id,
            col(moment).is_(None),
            col(MarketingSend.status).in_([SendStatus.SENDING, SendStatus.SENT]),
        )
        .values({column: now})
    )
    if not result.rowcount:
        return False
    publish_after_commit(session, MessagesMoved(shop_id, now))
    return True


def _verified(settings: Settings, payload: str, signature: str) -> bool:
    given = signature.encode()  # compared as bytes: compare_digest refuses non-ASCII str
    return any(
        hmac.compare_digest(given, _signed(payload, key).encode())
        for key in verification_keys(settings, _CONTEXT)
    )


def _signed(payload: str, key: bytes) -> str:
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
