"""Queries on shops and one-time nonces. Repositories flush; the boundary commits."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.integrations.platforms import Platform
from app.shops.models import AuthNonce, NoncePurpose, Shop, ShopStatus


async def get_shop(session: AsyncSession, shop_id: int) -> Shop | None:
    return await session.get(Shop, shop_id)


async def active_shops(session: AsyncSession, shop_ids: tuple[int, ...]) -> list[Shop]:
    """Those of the given shops still connected, in the order given."""
    if not shop_ids:
        return []
    statement = select(Shop).where(
        col(Shop.id).in_(shop_ids), col(Shop.status) == ShopStatus.ACTIVE
    )
    found = {shop.id: shop for shop in (await session.exec(statement)).all()}
    return [found[shop_id] for shop_id in shop_ids if shop_id in found]


async def get_shop_for_update(session: AsyncSession, shop_id: int) -> Shop | None:
    """The shop row, locked until the transaction ends (PostgreSQL; SQLite has one writer)."""
    statement = select(Shop).where(Shop.id == shop_id).with_for_update()
    return (await session.exec(statement)).first()


async def find_shop(session: AsyncSession, platform: Platform, domain: str) -> Shop | None:
    statement = select(Shop).where(Shop.platform == platform, Shop.domain == domain)
    return (await session.exec(statement)).first()


async def list_shops(session: AsyncSession) -> list[Shop]:
    return list((await session.exec(select(Shop).order_by(col(Shop.id)))).all())


def nonce_digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


async def add_nonce(session: AsyncSession, nonce: AuthNonce) -> None:
    session.add(nonce)
    await session.flush()


async def use_nonce(
    session: AsyncSession, value: str, purpose: NoncePurpose, now: datetime
) -> AuthNonce | None:
    """Mark the nonce used and return it, in one statement: of two concurrent callers with the
    same nonce exactly one gets it. None when unknown, expired, used or for another purpose."""
    statement = (
        update(AuthNonce)
        .where(
            col(AuthNonce.digest) == nonce_digest(value),
            col(AuthNonce.purpose) == purpose,
            col(AuthNonce.used_at).is_(None),
            col(AuthNonce.expires_at) > now,
        )
        .values(used_at=now)
        .returning(col(AuthNonce.id))
    )
    used_id = (await session.exec(statement)).scalar_one_or_none()
    if used_id is None:
        return None
    return await session.get(AuthNonce, used_id, populate_existing=True)


async def claim_return(
    session: AsyncSession, value: str, browser_value: str, purpose: NoncePurpose, now: datetime
) -> int | None:
    """The shop a finished connection is for, claimed once by the browser that started it (it
    holds the value whose digest the nonce keeps), in one statement: a replay, another browser,
    an expired nonce or one whose keys never arrived gets None."""
    statement = (
        update(AuthNonce)
        .where(
            col(AuthNonce.digest) == nonce_digest(value),
            col(AuthNonce.purpose) == purpose,
            col(AuthNonce.browser_digest) == nonce_digest(browser_value),
            col(AuthNonce.used_at).is_not(None),
            col(AuthNonce.returned_at).is_(None),
            col(AuthNonce.shop_id).is_not(None),
            col(AuthNonce.expires_at) > now,
        )
        .values(returned_at=now)
        .returning(col(AuthNonce.shop_id))
    )
    shop_id: int | None = (await session.exec(statement)).scalar_one_or_none()
    return shop_id


async def delete_nonces_expired_before(session: AsyncSession, moment: datetime) -> int:
    """Delete every nonce that expired before `moment`; how many there were."""
    statement = delete(AuthNonce).where(col(AuthNonce.expires_at) < moment)
    result = await session.exec(statement)
    return result.rowcount or 0
