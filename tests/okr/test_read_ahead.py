"""Key results evaluated together (a scorecard, the live stream) read each rollup family once
for all their ranges, and show exactly what each key result evaluated on its own shows: for
every catalogue metric, over two years of a shop's orders, refunds, checkouts, initiative
outcomes, e-mails and survey answers on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.messaging.models import MarketingSend, MarketingUnsubscribe, SendStatus
from app.metrics import rollups
from app.metrics.catalogue import METRICS
from app.metrics.checkouts import CheckoutFigures
from app.metrics.customers import customer_contribution, slotted
from app.metrics.figures import SalesFigures
from app.metrics.models import SurveyScore
from app.metrics.outcomes import OutcomeFigures
from app.metrics.rebuild import rebuild
from app.okr.evaluation import evaluate_key_result, evaluate_key_results
from app.okr.models import Cycle, KeyResult, Objective, ObjectiveKind, Source, Window
from app.okr.scorecard import scorecard
from app.okr.scoring import Bands, KRType
from bench.metrics_query import ORDERS_SQL
from tests.fixtures.objects import create_shop

TZ = "Europe/Berlin"
NEWEST = date(2026, 11, 22)
DAYS = 800  # reaches back before last year's same period of every window below
CYCLE = Cycle(id=1, shop_id=0, name="2026", start=date(2026, 1, 1), end=date(2026, 12, 31))
REFUNDS_SQL = """
INSERT INTO refunds (shop_id, platform_id, order_platform_id, refunded_at, amount)
SELECT shop_id, 'r' || platform_id, platform_id, placed_at + interval '3 days', gross / 4
FROM orders WHERE shop_id = :shop AND platform_id::int % 9 = 0
"""


async def a_shop_with_history(session: AsyncSession) -> int:
    shop = await create_shop(session, timezone=TZ)
    shop_id = shop.id or 0
    # The benchmark's orders: a customer pool a third of the orders (returning customers,
    # repeats), a tenth of guests, cancelled and test orders.
    orders = text(ORDERS_SQL).bindparams(shop=shop_id, days=DAYS, orders=2700, customers=900)
    await session.exec(orders)  # type: ignore[call-overload]
    await session.exec(text(REFUNDS_SQL).bindparams(shop=shop_id))  # type: ignore[call-overload]
    await rebuild(session, shop_id)  # sales and customer rollups from the mirror
    every_third_day = [NEWEST - timedelta(days=n) for n in range(0, DAYS, 3)]
    await rollups.add_checkouts(session, shop_id, {
        (day, n % 8): CheckoutFigures(12 + n % 5, 4 + n % 3, 6 + n % 4, n % 3, Decimal(n % 7) * 9)
        for n, day in enumerate(every_third_day)
    })  # fmt: skip
    await rollups.add_outcomes(session, shop_id, {
        (day, 0): OutcomeFigures(n % 2, Decimal(n % 5) * 11, n % 3, n % 2)
        for n, day in enumerate(every_third_day)
    })  # fmt: skip
    session.add_all(_messages_and_answers(shop_id, every_third_day))
    await session.flush()
    return shop_id


def _messages_and_answers(shop_id: int, days: list[date]) -> Iterator[Any]:
    for n, day in enumerate(days):
        noon = datetime(day.year, day.month, day.day, 11, tzinfo=UTC)
        subject = f"survey:{n}" if n % 2 else f"checkout:{n}"
        yield MarketingSend(
            shop_id=shop_id, initiative_id=1, subject=subject, step=1,
            address_digest=f"{n:064d}", status=SendStatus.SENT, sent_at=noon,
            opened_at=noon + timedelta(hours=n % 30), clicked_at=noon if n % 3 else None,
        )  # fmt: skip
        if n % 4 == 0:
            yield MarketingUnsubscribe(shop_id=shop_id, address_digest=f"{n:064d}", created_at=noon)
        yield SurveyScore(
            shop_id=shop_id, response_id=n, initiative_id=1, channel="email" if n % 2 else "widget",
            nps=n % 11, ces=1 + n % 7 if n % 3 else None, day=day, at=noon,
        )  # fmt: skip


def windows(metric: str) -> list[KeyResult]:
    """A key result of each kind and window on one metric: the whole cycle, a past quarter
    (last year's shape), a rolling month (a bound), a quarter not yet begun."""
    up = {"kr_type": KRType.INCREASE_TO, "start_value": Decimal(1), "target": Decimal(500)}
    down = {"kr_type": KRType.DECREASE_TO, "start_value": Decimal(900), "target": Decimal(2)}
    bound = {"kr_type": KRType.STAY_ABOVE, "target": Decimal("0.5")}
    shapes: list[dict[str, Any]] = [
        {**up},
        {**down, "window": Window.RANGE, "window_start": date(2026, 7, 1),
         "window_end": date(2026, 9, 30)},
        {**bound, "window": Window.ROLLING, "rolling_days": 30},
        {**up, "window": Window.RANGE, "window_start": date(2026, 12, 1),
         "window_end": date(2026, 12, 31)},
        {**up, "window": Window.ROLLING, "rolling_days": 7, "stretch_target": Decimal(2)},
    ]  # fmt: skip
    return [
        KeyResult(
            shop_id=0,
            objective_id=1,
            title=metric,
            source=Source.METRIC,
            metric_key=metric,
            **shape,
        )  # fmt: skip
        for shape in shapes
    ]


async def test_key_results_read_together_equal_each_read_alone(session: AsyncSession) -> None:
    shop_id = await a_shop_with_history(session)
    others = [
        KeyResult(shop_id=shop_id, objective_id=1, title="launch", source=Source.MANUAL,
                  kr_type=KRType.MILESTONE, done=True),
        KeyResult(shop_id=shop_id, objective_id=1, title="NPS survey", source=Source.MANUAL,
                  kr_type=KRType.INCREASE_TO, start_value=Decimal(1), target=Decimal(9)),
    ]  # fmt: skip
    krs = [kr for metric in METRICS for kr in windows(metric.key)] + others
    rows = [(kr, CYCLE) for kr in krs]
    bands = Bands()
    # Late in the year (last year's shape, forecasts) and in the cycle's first days.
    for today in (NEWEST, date(2026, 1, 3), date(2026, 12, 31)):
        together = await evaluate_key_results(session, shop_id, rows, today, bands)
        for kr, status in zip(krs, together, strict=True):
            alone = await evaluate_key_result(session, shop_id, kr, CYCLE, today, bands)
            # repr: the same digits, not only equal numbers (1.0 and 1.00 differ on a page)
            assert repr(status) == repr(alone), (kr.metric_key, kr.window, today)
    assert any(s.value for s in together), "the shop's history gives values to compare"


@contextmanager
def statements_counted(session: AsyncSession) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = session.get_bind()

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_a_scorecards_reads_do_not_grow_with_its_key_results(session: AsyncSession) -> None:
    shop_id = await a_shop_with_history(session)
    cycle = Cycle(shop_id=shop_id, name="2026", start=CYCLE.start, end=CYCLE.end)
    session.add(cycle)
    await session.flush()
    goal = Objective(shop_id=shop_id, cycle_id=cycle.id or 0, title="Grow",
                     kind=ObjectiveKind.INCREASE_REVENUE)  # fmt: skip
    session.add(goal)
    await session.flush()

    async def statements_for(metrics: list[str]) -> int:
        for key in metrics:
            kr = windows(key)[0]
            kr.shop_id, kr.objective_id = shop_id, goal.id or 0
            session.add(kr)
        await session.flush()
        with statements_counted(session) as seen:
            await scorecard(session, shop_id, cycle, NEWEST)
        return len(seen)

    one = await statements_for(["net_sales"])
    # Five more sales key results and two customer ones: one more read for the customers.
    more = await statements_for(["orders", "aov", "gross_sales", "refunds", "net_sales"])
    assert more == one
    with_customers = await statements_for(["customers", "returning_customers"])
    assert with_customers - more <= 5  # their newest day, per-day rows, the range's two sums


async def test_read_together_on_both_databases(any_engine: AsyncEngine) -> None:
    """The embedded default (SQLite) answers the shared reads too: its dates come back as text
    and its amounts as millionths."""
    async with AsyncSession(any_engine, expire_on_commit=False) as session:
        shop_id = (await create_shop(session, timezone=TZ)).id or 0
        days = [NEWEST - timedelta(days=n) for n in range(0, 500, 4)]
        await rollups.add_sales(session, shop_id, {
            (day, n % 8): SalesFigures(gross=Decimal(n) + Decimal("0.25"), orders=1 + n % 3,
                                       customer_sales=Decimal(n), customer_returns=Decimal(n % 5))
            for n, day in enumerate(days)
        })  # fmt: skip
        for n in range(40):  # customers ordering on a few of those days
            placed = [datetime.combine(days[(n * k) % len(days)], time(12), UTC) for k in (1, 3)]
            rows = slotted(f"id:{n}", customer_contribution(placed, TZ))
            await rollups.add_customers(session, shop_id, rows)
        metrics = ["net_sales", "aov", "customers", "new_customers", "customer_lifetime_value"]
        krs = [kr for key in metrics for kr in windows(key)]
        together = await evaluate_key_results(
            session, shop_id, [(kr, CYCLE) for kr in krs], NEWEST, Bands()
        )
        for kr, status in zip(krs, together, strict=True):
            alone = await evaluate_key_result(session, shop_id, kr, CYCLE, NEWEST, Bands())
            assert repr(status) == repr(alone), (kr.metric_key, kr.window)
        assert all(status.value is not None for status in together[:3])
