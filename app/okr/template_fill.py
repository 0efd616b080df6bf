"""A template's key result filled in from the shop's history: its start (`baselines`), its
target where today's pace is expected to score 0.7 (`proposal`) — else the template's step —
and the chance of reaching that target at today's pace (the key result's own forecast model,
`projection`, fed with the last complete weeks' days). A fixed bound on a store metric (NPS at
50 or above) keeps its bound and shows the last complete weeks' value; without one it is added
all the same, saying what will fill it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from app.metrics.catalogue import Aggregation, Metric
from app.metrics.service import counts_checkouts, history_begins, metric_named
from app.okr.baselines import (
    RECENT_WEEKS,
    Baseline,
    StartBasis,
    complete_weeks,
    days_of,
    from_weeks,
    period_before,
    rounded,
)
from app.okr.evaluation import Span, metric_value
from app.okr.models import Cycle
from app.okr.projection import Forecast, forecast_level, forecast_sum, no_forecast
from app.okr.proposal import good_target
from app.okr.scoring import KRType
from app.text import Text


@dataclass(frozen=True)
class KRTemplate:
    title: str
    kr_type: KRType
    metric_key: str | None = None
    factor: Decimal | None = None  # the template's step: target = start × factor
    target: Decimal | None = None  # a fixed bound (stay above / below)
    unit: str = ""
    # A bound on a store metric: what fills it while the recent weeks hold no value of it.
    waiting: str | None = None


class TargetRule(StrEnum):
    GOOD_SCORE = "good_score"  # today's pace is expected to score 0.7 there
    STEP = "step"  # the template's step from the start (today's pace scores under 0.7 anywhere)
    BOUND = "bound"  # the template's fixed bound, scored as the share of days within it


@dataclass(frozen=True)
class Suggestion:
    template: KRTemplate
    start: Decimal | None
    target: Decimal | None
    missing: str | None  # why it is not added for this shop (None when it is)
    basis: StartBasis | None = None
    rule: TargetRule | None = None
    chance: float | None = None  # of reaching the target at today's pace
    pending: str | None = None  # added without a value yet: what will give it one


async def suggest_key_result(
    session: AsyncSession, shop_id: int, cycle: Cycle, kr: KRTemplate, today: date
) -> Suggestion:
    if kr.metric_key is None:
        # A figure the store does not hold (packing time, LCP): nothing to start from, and a
        # bound with no value would show an empty row — the merchant adds it when they track it.
        return Suggestion(kr, None, kr.target, Text(
            "measured outside the store: add it by hand once you track it"
        ))  # fmt: skip
    if kr.kr_type in BOUNDS:
        return await _bound(session, shop_id, kr, kr.metric_key, today)
    metric = metric_named(kr.metric_key)
    begins = await history_begins(session, shop_id, metric.key)
    weeks = None if begins is None else complete_weeks(begins, today, RECENT_WEEKS)
    if weeks is None and counts_checkouts(metric.key):
        return Suggestion(kr, None, None, Text(
            "checkouts count from the first completed one the store tells of (an order placed "
            "through a checkout, or a checkout as it happens): added after a complete week of "
            "them"
        ))  # fmt: skip
    if weeks is None:
        return Suggestion(kr, None, None, Text("no complete week of history yet"))
    window = (cycle.start, cycle.end)
    start = await period_before(session, shop_id, metric.key, window, begins) or await from_weeks(
        session, shop_id, metric.key, weeks, days_of(window), StartBasis.RECENT_WEEKS
    )
    if start is None or not start.value:
        return Suggestion(kr, None, None, Text("none of this in the store's history yet"))
    rising = kr.kr_type is KRType.INCREASE_TO
    pace = await _pace(session, shop_id, metric, cycle, today, weeks)
    target, rule = _target(kr, metric, start, pace(None, rising), rising)
    if target == start.value:
        return Suggestion(kr, start.value, None, Text("too small a figure to move by a step"))
    chance = pace(target, rising).probability
    return Suggestion(kr, start.value, target, None, start.basis, rule, chance)


BOUNDS = (KRType.STAY_ABOVE, KRType.STAY_BELOW)


async def _bound(
    session: AsyncSession, shop_id: int, kr: KRTemplate, key: str, today: date
) -> Suggestion:
    """A fixed bound scores the share of days within it, so it needs no start: it is added with
    the last complete weeks' value when they hold one, else with what will fill it (`waiting`:
    a survey's first answers)."""
    assert kr.target is not None
    assert kr.waiting is not None
    begins = await history_begins(session, shop_id, key)
    weeks = None if begins is None else complete_weeks(begins, today, RECENT_WEEKS)
    value = None if weeks is None else (await metric_value(session, shop_id, key, weeks))[0]
    if value is None:
        return Suggestion(kr, None, kr.target, None, rule=TargetRule.BOUND, pending=kr.waiting)
    start = rounded(value, metric_named(key))
    return Suggestion(kr, start, kr.target, None, StartBasis.RECENT_WEEKS, TargetRule.BOUND)


def _target(
    kr: KRTemplate, metric: Metric[object], start: Baseline, pace: Forecast, rising: bool
) -> tuple[Decimal, TargetRule]:
    good = good_target(start.value, pace, rising)
    if good is not None and rounded(good, metric) != start.value:
        return rounded(good, metric), TargetRule.GOOD_SCORE
    assert kr.factor is not None
    return rounded(start.value * kr.factor, metric), TargetRule.STEP


Pace = Callable[[Decimal | None, bool], Forecast]  # (target, rising) → the forecast


async def _pace(
    session: AsyncSession, shop_id: int, metric: Metric[object], cycle: Cycle, today: date,
    weeks: Span,
) -> Pace:  # fmt: skip
    """The cycle's final value at today's pace: the days of the last complete weeks repeated
    over the days left, after what the cycle holds so far (the model a key result's own
    forecast uses, fed with the recent weeks)."""
    recent, daily = await metric_value(session, shop_id, metric.key, weeks)
    days = [value for _, value in daily if value is not None]
    first_left = max(today, cycle.start)
    remaining = max(0, (cycle.end - first_left).days + 1)
    so_far = None
    if first_left > cycle.start:
        last_done = min(first_left - timedelta(days=1), cycle.end)
        so_far, _ = await metric_value(session, shop_id, metric.key, (cycle.start, last_done))
    if metric.aggregation is Aggregation.SUM:
        total = so_far or Decimal(0)
        return lambda target, rising: forecast_sum(days, total, remaining, target, rising)
    level = so_far or recent
    if metric.aggregation is Aggregation.RATIO and level is not None:
        return lambda target, rising: forecast_level(days, level, remaining, target, rising)
    return lambda target, rising: no_forecast("no forecast model for this metric")
