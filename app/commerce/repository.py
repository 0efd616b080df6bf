"""Mirror queries, each scoped by shop. Repositories flush; the boundary commits."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.events import OrderState
from app.commerce.models import Checkout, Customer, Order, OrderLineRow, RefundRow
from app.db import Money


async def get_order(session: AsyncSession, shop_id: int, platform_id: str) -> Order | None:
    statement = select(Order).where(Order.shop_id == shop_id, Order.platform_id == platform_id)
    return (await session.exec(statement)).first()


async def replace_lines(
    session: AsyncSession, shop_id: int, order_id: int, lines: list[OrderLineRow]
) -> None:
    await session.exec(
        delete(OrderLineRow).where(
            col(OrderLineRow.shop_id) == shop_id, col(OrderLineRow.order_id) == order_id
        )
    )
    session.add_all(lines)
    await session.flush()


async def refund_ids(session: AsyncSession, shop_id: int, order_platform_id: str) -> set[str]:
    statement = select(RefundRow.platform_id).where(
        RefundRow.shop_id == shop_id, RefundRow.order_platform_id == order_platform_id
    )
    return set((await session.exec(statement)).all())


async def refunded_total(session: AsyncSession, shop_id: int, order_platform_id: str) -> Decimal:
    statement = select(func.coalesce(func.sum(col(RefundRow.amount)), 0).cast(Money())).where(
        RefundRow.shop_id == shop_id, RefundRow.order_platform_id == order_platform_id
    )
    total = (await session.exec(statement)).one()
    return Decimal(total)


async def get_customer(session: AsyncSession, shop_id: int, key: str) -> Customer | None:
    statement = select(Customer).where(Customer.shop_id == shop_id, Customer.key == key)
    return (await session.exec(statement)).first()


async def customer_order_facts(
    session: AsyncSession, shop_id: int, key: str
) -> tuple[datetime | None, datetime | None, int, Decimal]:
    """First and last counted order, how many, and their current totals."""
    statement = select(
        func.min(col(Order.placed_at)),
        func.max(col(Order.placed_at)),
        func.count(col(Order.id)),
        func.coalesce(func.sum(col(Order.current_total)), 0).cast(Money()),
    ).where(
        Order.shop_id == shop_id,
        Order.customer_key == key,
        col(Order.test).is_(False),
        Order.state == OrderState.OPEN,
    )
    first, last, count, spent = (await session.exec(statement)).one()
    return first, last, int(count), Decimal(spent)


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
