"""The mirror's personal data: customers' names and emails, and the emails and phones on orders
and checkouts. Erasure blanks them and replaces the customer's key with an anonymous one, so
that counts of distinct customers and every amount stay exactly as they were."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, update
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.models import Checkout, Customer, Order


class CommerceMirror:
    async def export(self, session: AsyncSession, shop_id: int, customer: Any) -> Any:
        keys = await customer_keys(session, shop_id, customer)
        customers = (
            await session.exec(
                select(Customer).where(Customer.shop_id == shop_id, col(Customer.key).in_(keys))
            )
        ).all()
        orders = (
            await session.exec(
                select(Order).where(Order.shop_id == shop_id, col(Order.customer_key).in_(keys))
            )
        ).all()
        return {
            "customers": [c.model_dump(mode="json", exclude={"shop_id"}) for c in customers],
            "orders": [o.model_dump(mode="json", exclude={"shop_id"}) for o in orders],
        }

    async def erase(self, session: AsyncSession, shop_id: int, customer: Any) -> int:
        changed = 0
        for key in await customer_keys(session, shop_id, customer):
            anonymous = f"redacted:{uuid.uuid4().hex}"
            where = (shop_id, key)
            changed += await _rewrite(
                session,
                Customer,
                "key",
                where,
                anonymous,
                email=None,
                first_name=None,
                last_name=None,
                platform_id=None,
            )
            changed += await _rewrite(session, Order, "customer_key", where, anonymous, email=None)
            changed += await _rewrite(
                session, Checkout, "customer_key", where, anonymous,
                email=None, phone=None, first_name=None,
            )  # fmt: skip
        if customer.email:  # checkouts abandoned before we knew who it was
            result = await session.exec(
                update(Checkout)
                .where(col(Checkout.shop_id) == shop_id, col(Checkout.email) == customer.email)
                .values(email=None, phone=None, first_name=None)
            )
            changed += result.rowcount or 0
        return changed


async def customer_keys(session: AsyncSession, shop_id: int, customer: Any) -> list[str]:
    """Every key under which the mirror knows this customer (a `CustomerRef`)."""
    keys = set()
    if customer.platform_id:
        keys.add(f"id:{customer.platform_id}")
    if customer.email:
        keys.add(f"email:{customer.email.strip().lower()}")
        statement = select(Customer.key).where(
            Customer.shop_id == shop_id,
            func.lower(col(Customer.email)) == customer.email.strip().lower(),
        )
        keys.update((await session.exec(statement)).all())
    return sorted(keys)


async def _rewrite(
    session: AsyncSession,
    model: type[SQLModel],
    key_column: str,
    where: tuple[int, str],
    anonymous: str,
    **blank: Any,
) -> int:
    """Give the rows of (shop, key) the anonymous key and blank their personal fields."""
    table = model.__table__  # type: ignore[attr-defined]
    shop_id, key = where
    statement = (
        update(table)
        .where(table.c.shop_id == shop_id, table.c[key_column] == key)
        .values({key_column: anonymous, **blank})
    )
    result = await session.exec(statement)
    return result.rowcount or 0
