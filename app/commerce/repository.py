"""Mirror queries, each scoped by shop. Repositories flush; the boundary commits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.models import Checkout, Customer, Order, RefundRow
from app.db import lock


async def get_order(session: AsyncSession, shop_id: int, platform_id: str) -> Order | None:
    statement = select(Order).where(Order.shop_id == shop_id, Order.platform_id == platform_id)
    return (await session.exec(statement)).first()


async def refund_ids(session: AsyncSession, shop_id: int, order_platform_id: str) -> set[str]:
    statement = select(RefundRow.platform_id).where(
        RefundRow.shop_id == shop_id, RefundRow.order_platform_id == order_platform_id
    )
    return set((await session.exec(statement)).all())


async def get_customer(session: AsyncSession, shop_id: int, key: str) -> Customer | None:
    statement = select(Customer).where(Customer.shop_id == shop_id, Customer.key == key)
    return (await session.exec(statement)).first()


async def get_checkout(session: AsyncSession, shop_id: int, token: str) -> Checkout | None:
    statement = select(Checkout).where(Checkout.shop_id == shop_id, Checkout.token == token)
    return (await session.exec(statement)).first()


async def lock_checkout(session: AsyncSession, shop_id: int, token: str) -> Checkout | None:
    """The checkout's row, locked until the transaction ends, fresh from the database."""
    statement = (
        select(Checkout)
        .where(Checkout.shop_id == shop_id, Checkout.token == token)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.exec(statement)).first()


async def lock_checkouts(
    session: AsyncSession, shop_id: int, tokens: list[str]
) -> dict[str, Checkout]:
    """The checkouts' rows by token, locked until the transaction ends (in token order, so two
    batches cannot deadlock), fresh from the database."""
    statement = (
        select(Checkout)
        .where(Checkout.shop_id == shop_id, col(Checkout.token).in_(tokens))
        .order_by(col(Checkout.token))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.token: row for row in (await session.exec(statement)).all()}


async def stale_open_checkouts(
    session: AsyncSession, shop_id: int, untouched_since: datetime, limit: int
) -> list[Checkout]:
    statement = (
        select(Checkout)
        .where(
            Checkout.shop_id == shop_id,
            col(Checkout.completed_at).is_(None),
            col(Checkout.abandoned_at).is_(None),
            col(Checkout.contact_given_at).is_not(None),
            Checkout.platform_updated_at <= untouched_since,
        )
        .limit(limit)
        # A checkout being updated right now is left for the next sweep.
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return list((await session.exec(statement)).all())


async def lock_orders(
    session: AsyncSession, shop_id: int, order_platform_ids: Iterable[str]
) -> None:
    """One order at a time, across transactions, until this one ends (`app.db.lock`)."""
    await lock(session, (f"order:{shop_id}:{order}" for order in order_platform_ids))
