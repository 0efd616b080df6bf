"""Queries on shops and one-time nonces. Repositories flush; the boundary commits."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.shops.models import AuthNonce, NoncePurpose, Platform, Shop


async def get_shop(session: AsyncSession, shop_id: int) -> Shop | None:
    return await session.get(Shop, shop_id)


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


async def find_used_nonce(
    session: AsyncSession, value: str, purpose: NoncePurpose
) -> AuthNonce | None:
    statement = select(AuthNonce).where(
        AuthNonce.digest == nonce_digest(value),
        AuthNonce.purpose == purpose,
        col(AuthNonce.used_at).is_not(None),
    )
    return (await session.exec(statement)).first()
