"""A shop's history as its sales rollups hold it: a believable day's figures, varying from day
to day (a forecast needs a spread), without sending orders through the mirror."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from app.metrics.models import CheckoutDay, SalesDay


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


async def with_sales(session: AsyncSession, shop_id: int, first: date, last: date) -> None:
    """Every day from `first` to `last`: a few orders, some discounted, a small return now and
    then, growing slowly."""
    for day in days(first, last):
        n = day.toordinal()
        orders = 5 + n % 4 + (n - first.toordinal()) // 30
        gross = Decimal(orders * (180 + n % 7 * 10))
        session.add(SalesDay(
            shop_id=shop_id, day=day, slot=0, gross=gross, orders=orders, units=orders * 2,
            discounts=gross * Decimal("0.05") * (1 + n % 3), returns=Decimal(20 * (n % 5 == 0)),
        ))  # fmt: skip
    await session.flush()


async def with_checkouts(session: AsyncSession, shop_id: int, first: date, last: date) -> None:
    """Every day from `first` to `last`: checkouts started, most completed, a few abandoned and
    some of those recovered — as live checkout webhooks leave them."""
    for day in days(first, last):
        n = day.toordinal()
        started = 12 + n % 5
        session.add(CheckoutDay(
            shop_id=shop_id, day=day, slot=0, started=started, completed=started - 4,
            abandoned=4, recovered=1 + n % 2, recovered_sales=Decimal(150),
        ))  # fmt: skip
    await session.flush()
