"""What each group did after it was placed: its size, how many ordered within the attribution
window (conversion), and the orders' count and net sales per member — every member counted,
those who bought nothing as zeros, so the holdout and the treated are compared as they were
drawn (intention to treat).

The orders are the mirror's counted orders (not cancelled, not tests) of the member's key,
placed after `assigned_at` and within the window after it. The database returns each member's
orders after their placement; the window is applied here, so the query is the same on
PostgreSQL and SQLite."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.models import Order
from app.initiatives.experiments.models import ExperimentAssignment
from app.initiatives.models import Initiative, InitiativeType
from app.initiatives.settings import recovery_settings
from app.integrations.events import OrderState

# Win-backs and surveys have no attribution setting of their own: a week, the recovery's
# default, so an order a month later is not credited to an e-mail.
DEFAULT_WINDOW = timedelta(days=7)
ZERO = Decimal("0")


@dataclass
class GroupOutcome:
    group: str
    members: int = 0
    converted: int = 0
    orders: int = 0
    orders_squares: int = 0  # Σ (orders per member)², for Welch's interval
    net_sales: Decimal = ZERO
    net_sales_squares: Decimal = ZERO  # Σ (net sales per member)²


@dataclass
class Outcomes:
    window: timedelta
    groups: dict[str, GroupOutcome] = field(default_factory=dict)
    recent_members: int = 0  # placed in the last `RECENT` days: the shop's flow of customers


RECENT = timedelta(days=14)


def attribution_window(initiative: Initiative) -> timedelta:
    if initiative.type is InitiativeType.ABANDONED_CHECKOUT:
        return recovery_settings(initiative.settings).attribution_window
    return DEFAULT_WINDOW


async def outcomes(session: AsyncSession, initiative: Initiative, now: datetime) -> Outcomes:
    window = attribution_window(initiative)
    found = Outcomes(window)
    a = ExperimentAssignment
    sizes = select(a.group, func.count(), func.count().filter(col(a.assigned_at) >= now - RECENT))
    for group, members, recent in await session.exec(
        sizes.where(a.shop_id == initiative.shop_id, a.initiative_id == initiative.id).group_by(
            a.group
        )
    ):
        found.groups[group] = GroupOutcome(group, members)
        found.recent_members += recent
    per_member: dict[tuple[str, int], list[Decimal]] = defaultdict(list)
    for assignment_id, group, assigned_at, placed_at, net in await _orders_after(
        session, initiative, now
    ):
        if placed_at <= assigned_at + window:
            per_member[(group, assignment_id)].append(net)
    for (group, _member), sales in per_member.items():
        outcome = found.groups[group]
        outcome.converted += 1
        outcome.orders += len(sales)
        outcome.orders_squares += len(sales) ** 2
        outcome.net_sales += sum(sales, ZERO)
        outcome.net_sales_squares += sum(sales, ZERO) ** 2
    return found


async def _orders_after(
    session: AsyncSession, initiative: Initiative, now: datetime
) -> list[tuple[int, str, datetime, datetime, Decimal]]:
    a = ExperimentAssignment
    statement = (
        sa_select(
            col(a.id),
            col(a.group),
            col(a.assigned_at),
            col(Order.placed_at),
            col(Order.gross) - col(Order.discounts),
        )
        .join(
            Order,
            (col(Order.shop_id) == col(a.shop_id))
            & (col(Order.customer_key) == col(a.customer_key)),
        )
        .where(
            col(a.shop_id) == initiative.shop_id,
            col(a.initiative_id) == initiative.id,
            col(Order.state) == OrderState.OPEN,
            col(Order.test).is_(False),
            col(Order.placed_at) > col(a.assigned_at),
            col(Order.placed_at) <= now,
        )
    )
    return [
        (id_, group, assigned_at, placed_at, Decimal(net))
        # Five columns: past sqlmodel's typed overloads of `select`, as in app.metrics.marketing.
        for id_, group, assigned_at, placed_at, net in (
            await session.exec(statement)  # type: ignore[call-overload]
        ).all()
        if id_ is not None
    ]
