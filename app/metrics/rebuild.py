"""Recomputing the rollups from the mirror: the repair tool and the consistency check."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.models import Order, RefundRow
from app.metrics import rollups
from app.metrics.figures import (
    Contribution,
    SalesFigures,
    order_contribution,
    refund_contribution,
    slot_of,
)
from app.metrics.hooks import counted, facts_of_row
from app.metrics.models import SalesDay
from app.shops.models import Shop

Slotted = dict[int, Contribution]


async def expected(session: AsyncSession, shop_id: int) -> Slotted:
    """The rollups as the mirror says they should be, by slot and day."""
    timezone = (await session.exec(select(Shop.timezone).where(Shop.id == shop_id))).one()
    slots: dict[int, dict[date, SalesFigures]] = defaultdict(lambda: defaultdict(SalesFigures))
    orders = {
        o.platform_id: o
        for o in (await session.exec(select(Order).where(Order.shop_id == shop_id))).all()
    }
    for order in orders.values():
        for day, figures in order_contribution(facts_of_row(order), timezone).items():
            slots[slot_of(order.platform_id)][day] += figures
    for refund in (await session.exec(select(RefundRow).where(RefundRow.shop_id == shop_id))).all():
        refunded = orders.get(refund.order_platform_id)
        if refunded is not None and counted(refunded):
            returns = refund_contribution(refund.refunded_at, refund.amount, timezone)
            for day, figures in returns.items():
                slots[slot_of(refunded.platform_id)][day] += figures
    return {
        slot: {d: f for d, f in days.items() if not f.is_zero()} for slot, days in slots.items()
    }


async def held(session: AsyncSession, shop_id: int) -> Slotted:
    slots: dict[int, dict[date, SalesFigures]] = defaultdict(dict)
    for row in (await session.exec(select(SalesDay).where(SalesDay.shop_id == shop_id))).all():
        figures = SalesFigures(row.gross, row.discounts, row.returns, row.orders, row.units)
        if not figures.is_zero():
            slots[row.slot][row.day] = figures
    return dict(slots)


async def differences(session: AsyncSession, shop_id: int) -> list[str]:
    """What the rollups hold that the mirror does not say (empty when they agree)."""
    want, have = await expected(session, shop_id), await held(session, shop_id)
    problems = []
    for slot in sorted(set(want) | set(have)):
        for day in sorted(set(want.get(slot, {})) | set(have.get(slot, {}))):
            a, b = want.get(slot, {}).get(day), have.get(slot, {}).get(day)
            if a != b:
                problems.append(f"{day} slot {slot}: rollups hold {b}, the mirror says {a}")
    return problems


async def rebuild(session: AsyncSession, shop_id: int) -> None:
    await session.exec(delete(SalesDay).where(col(SalesDay.shop_id) == shop_id))
    for slot, days in (await expected(session, shop_id)).items():
        await rollups.add(session, shop_id, slot, days)
