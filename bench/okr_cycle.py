"""A yearly cycle as a merchant would set it up: three objectives and 15 metric key results
over the catalogue's families (sales, customers, lifetime, checkouts), some sharing a metric
with different windows. `bench.metrics_query` times its whole scorecard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.okr.models import Cycle, KeyResult, Objective, ObjectiveKind, Source, Window
from app.okr.scoring import KRType


@dataclass(frozen=True)
class Planned:
    metric: str
    kr_type: KRType
    start: str
    target: str
    window: Window = Window.CYCLE
    rolling_days: int | None = None
    dates: tuple[date, date] | None = None  # a RANGE window's first and last day


UP, DOWN = KRType.INCREASE_TO, KRType.DECREASE_TO
Q3 = (date(2026, 7, 1), date(2026, 9, 30))
Q4 = (date(2026, 10, 1), date(2026, 12, 31))
# The first key result is the one `key_result` times on its own.
PLAN: tuple[tuple[str, ObjectiveKind, tuple[Planned, ...]], ...] = (
    ("Grow revenue", ObjectiveKind.INCREASE_REVENUE, (
        Planned("net_sales", UP, "1", "1000000000"),
        Planned("net_sales", KRType.STAY_ABOVE, "0", "100", Window.ROLLING, rolling_days=30),
        Planned("net_sales", UP, "1", "300000000", Window.RANGE, dates=Q3),
        Planned("gross_sales", UP, "1", "300000000", Window.RANGE, dates=Q4),
        Planned("aov", UP, "50", "120"),
        Planned("orders", UP, "1", "10000000"),
    )),
    ("Customers come back", ObjectiveKind.CUSTOMER_LOYALTY, (
        Planned("customers", UP, "1", "1000000"),
        Planned("new_customers", UP, "1", "500000"),
        Planned("returning_customers", UP, "1", "500000"),
        Planned("repeat_purchase_rate", UP, "0.05", "0.3"),
        Planned("returning_customer_rate", KRType.STAY_ABOVE, "0", "0.2", Window.ROLLING,
                rolling_days=90),
        Planned("customer_lifetime_value", UP, "50", "200"),
    )),
    ("Fewer lost sales", ObjectiveKind.DECREASE_COSTS, (
        Planned("checkout_conversion_rate", UP, "0.3", "0.6"),
        Planned("abandoned_checkout_recovery_rate", UP, "0.05", "0.15"),
        Planned("refunds", DOWN, "100000", "50000"),
    )),
)  # fmt: skip


async def add_cycle(engine: AsyncEngine, shop_id: int) -> tuple[int, int]:
    """The cycle 2026 with the plan's objectives and key results: (cycle id, first KR id)."""
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        cycle = Cycle(shop_id=shop_id, name="2026", start=date(2026, 1, 1), end=date(2026, 12, 31))
        session.add(cycle)
        await session.flush()
        added: list[KeyResult] = []
        for position, (title, kind, planned) in enumerate(PLAN):
            goal = Objective(shop_id=shop_id, cycle_id=cycle.id or 0, title=title, kind=kind,
                             position=position)  # fmt: skip
            session.add(goal)
            await session.flush()
            for number, plan in enumerate(planned):
                added.append(_key_result(shop_id, goal.id or 0, number, plan))
        session.add_all(added)
        await session.flush()
    return cycle.id or 0, added[0].id or 0


def _key_result(shop_id: int, objective_id: int, position: int, plan: Planned) -> KeyResult:
    first, last = plan.dates or (None, None)
    return KeyResult(
        shop_id=shop_id, objective_id=objective_id, title=plan.metric.replace("_", " "),
        source=Source.METRIC, metric_key=plan.metric, kr_type=plan.kr_type,
        start_value=Decimal(plan.start), target=Decimal(plan.target), window=plan.window,
        rolling_days=plan.rolling_days, window_start=first, window_end=last, position=position,
    )  # fmt: skip
