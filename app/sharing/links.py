"""Share links: made, listed and revoked per shop, and a URL's token resolved to its shop.

The token is `<link id>.<expiry, Unix seconds>.<HMAC>`: a guessed or altered token fails its
signature and an expired one its date before any database read; the row then says whether the
link was revoked. Every refusal is the same 404, so a token reveals nothing about why."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.crypto import derived_key, verification_keys
from app.db import utcnow
from app.errors import NotFound
from app.sharing.models import ShareLink
from app.shops.models import Shop, ShopStatus

MIN_DAYS, MAX_DAYS, DEFAULT_DAYS = 1, 365, 30
_CONTEXT = b"storeokr/share-link/v1"
_TOKEN = re.compile(r"(\d{1,15})\.(\d{1,15})\.([A-Za-z0-9_-]{43})", re.ASCII)


class LinkStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Shared:
    """What a valid token opens: the link and its shop."""

    link: ShareLink
    shop: Shop


def status_of(link: ShareLink, now: datetime) -> LinkStatus:
    if link.revoked_at is not None:
        return LinkStatus.REVOKED
    return LinkStatus.ACTIVE if link.expires_at > now else LinkStatus.EXPIRED


def token_for(link: ShareLink, settings: Settings) -> str:
    payload = f"{link.id}.{int(link.expires_at.timestamp())}"
    return f"{payload}.{_signature(payload, settings)}"


def url_for(link: ShareLink, settings: Settings) -> str:
    return settings.public(f"/share/{token_for(link, settings)}")


def _signature(payload: str, settings: Settings) -> str:
    return _signed(payload, derived_key(settings, _CONTEXT)).decode()


def _signed(payload: str, key: bytes) -> bytes:
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=")


def _signed_by_us(payload: str, signature: str, settings: Settings) -> bool:
    """Whether the current key or an old one (during a rotation) made `signature`; compared
    as bytes, as compare_digest refuses a non-ASCII str."""
    given = signature.encode()
    return any(
        hmac.compare_digest(given, _signed(payload, key))
        for key in verification_keys(settings, _CONTEXT)
    )


def _claims(token: str, settings: Settings, now: datetime) -> tuple[int, int] | None:
    """(link id, expiry) of a token we signed that has not expired, else None."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    link_id, expires, signature = match.groups()
    if not _signed_by_us(f"{link_id}.{expires}", signature, settings):
        return None
    if int(expires) <= now.timestamp():
        return None
    return int(link_id), int(expires)


async def open_token(session: AsyncSession, settings: Settings, token: str) -> Shared:
    """The link and shop a token opens; 404 for anything else."""
    now = utcnow()
    claims = _claims(token, settings, now)
    link = await session.get(ShareLink, claims[0]) if claims else None
    shop = await session.get(Shop, link.shop_id) if link else None
    if (
        claims is None
        or link is None
        or int(link.expires_at.timestamp()) != claims[1]
        or status_of(link, now) is not LinkStatus.ACTIVE
        or shop is None
        or shop.status is not ShopStatus.ACTIVE
    ):
        raise NotFound("this share link does not exist, has expired or was revoked")
    return Shared(link, shop)


async def still_open(session: AsyncSession, link_id: int) -> bool:
    """Whether a link that opened a moment ago is still active (for long-lived streams)."""
    link = await session.get(ShareLink, link_id, populate_existing=True)
    return link is not None and status_of(link, utcnow()) is LinkStatus.ACTIVE


async def create_link(session: AsyncSession, shop_id: int, label: str, days: int) -> ShareLink:
    """A link for `days` days (MIN_DAYS–MAX_DAYS), the label already checked by the caller."""
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ValueError(f"a share link lasts {MIN_DAYS} to {MAX_DAYS} days, not {days}")
    now = utcnow().replace(microsecond=0)  # whole seconds: the token carries the expiry
    expires_at = now + timedelta(days=days)
    link = ShareLink(shop_id=shop_id, label=label, created_at=now, expires_at=expires_at)
    session.add(link)
    await session.flush()
    return link


async def links_of(session: AsyncSession, shop_id: int) -> list[ShareLink]:
    statement = (
        select(ShareLink)
        .where(ShareLink.shop_id == shop_id)
        .order_by(col(ShareLink.created_at).desc(), col(ShareLink.id).desc())
    )
    return list((await session.exec(statement)).all())


async def link_of(session: AsyncSession, shop_id: int, link_id: int) -> ShareLink | None:
    """One of the shop's links; None for another shop's, as for one that does not exist."""
    link = await session.get(ShareLink, link_id)
    return link if link is not None and link.shop_id == shop_id else None


async def revoke(session: AsyncSession, shop_id: int, link_id: int) -> ShareLink:
    """Revoke one of the shop's links (again: a no-op that keeps the first revocation)."""
    link = await link_of(session, shop_id, link_id)
    if link is None:
        raise NotFound(f"no share link {link_id}")
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        session.add(link)
        await session.flush()
    return link
