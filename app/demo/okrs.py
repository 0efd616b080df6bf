"""The demo's own OKRs, so that `storeokr demo` opens on a dashboard the demo stores move."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.okr.models import Cycle, KeyResult, Objective, ObjectiveKind, Source
from app.okr.scoring import KRType
from app.okr.service import today_for
from app.runtime import Runtime
from app.shops import service as shops
from app.shops.login_links import create_login_link
from app.shops.models import Shop

RECOVERED = "initiative_recovered_checkouts"


class Goal(NamedTuple):
    """A metric key result of the demo's objective: from `start` up to `target`."""

    title: str
    metric: str
    target: Decimal
    start: Decimal = Decimal(0)


# Set for the Shopify demo store's trade since New Year (about €55 000 of net sales and 265
# orders a month at €215 an order): one key result on its pace, one behind it and one far from
# its target, as in a real year.
KEY_RESULTS = (
    Goal("Net sales this year", "net_sales", Decimal(700_000)),
    Goal("Orders this year", "orders", Decimal(4_200)),
    Goal("Average order value", "aov", Decimal(260), start=Decimal(190)),
    # Moved by the demo's initiatives (`app.demo.initiatives`), from the demo's start.
    Goal("Checkouts recovered by e-mail", RECOVERED, Decimal(150)),
    Goal("Customers won back", "reactivated_customers", Decimal(100)),
)
# The loyalty objective's voice of the customer: NPS from the demo survey's answers, which its
# shoppers give by e-mail (`app.demo.mail`), from 32 (where a shop like it starts) to 45.
LOYALTY = (Goal("Net Promoter Score from 32 to 45", "nps", Decimal(45), start=Decimal(32)),)


async def open_dashboard(runtime: Runtime, shop_id: int) -> str:
    """A login link to the shop's dashboard, after giving the shop this year's revenue
    objective unless it has a cycle already."""
    async with runtime.transaction() as session:
        shop = await shops.require_shop(session, shop_id)
        held = await session.exec(select(Cycle.id).where(Cycle.shop_id == shop_id))
        if held.first() is None:
            cycle = await add_revenue_objective(session, shop, KEY_RESULTS)
            await add_objective(session, shop, cycle, "Customers love us", LOYALTY)
        return await create_login_link(session, runtime.settings, shop)


async def track_recoveries(runtime: Runtime, shop_id: int) -> None:
    """The WooCommerce demo store's objective (it has no past to set revenue goals on): its
    checkouts recovered by e-mail, unless it has a cycle already."""
    async with runtime.transaction() as session:
        shop = await shops.require_shop(session, shop_id)
        held = await session.exec(select(Cycle.id).where(Cycle.shop_id == shop_id))
        if held.first() is None:
            recovery = [goal for goal in KEY_RESULTS if goal.metric == RECOVERED]
            await add_revenue_objective(session, shop, recovery)


async def add_revenue_objective(
    session: AsyncSession, shop: Shop, key_results: Sequence[Goal]
) -> Cycle:
    """This year's cycle with a revenue objective and its metric key results; the cycle."""
    year = today_for(shop).year
    cycle = Cycle(shop_id=shop.id or 0, name=str(year), start=date(year, 1, 1),
                  end=date(year, 12, 31))  # fmt: skip
    session.add(cycle)
    await session.flush()
    await add_objective(session, shop, cycle, "Grow revenue", key_results,
                        ObjectiveKind.INCREASE_REVENUE)  # fmt: skip
    return cycle


async def add_objective(
    session: AsyncSession,
    shop: Shop,
    cycle: Cycle,
    title: str,
    key_results: Sequence[Goal],
    kind: ObjectiveKind = ObjectiveKind.CUSTOMER_LOYALTY,
) -> None:
    """An objective of the cycle with its metric key results."""
    goal = Objective(shop_id=shop.id or 0, cycle_id=cycle.id or 0, title=title, kind=kind)
    session.add(goal)
    await session.flush()
    for kr in key_results:
        session.add(KeyResult(shop_id=shop.id or 0, objective_id=goal.id or 0, title=kr.title,
                              source=Source.METRIC, metric_key=kr.metric,
                              kr_type=KRType.INCREASE_TO, start_value=kr.start,
                              target=kr.target))  # fmt: skip
    await session.flush()
