"""A key result's live status: value, score, band, pace and forecast.

A metric key result's value is `metrics.service.evaluate` over its range — the same number the
metric API gives for those dates (one source of truth). Several key results (a scorecard, the
live stream) read their ranges together first (`evaluate_key_results`): one read per rollup
family instead of two or three per key result, the same values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.metrics.catalogue import Aggregation, Metric
from app.metrics.periods import Granularity
from app.metrics.service import MetricValue, Wanted, evaluate, evaluate_by_day, metric_named
from app.okr.health import Health, key_result_health
from app.okr.models import CheckIn, Cycle, KeyResult, Source, Window
from app.okr.projection import (
    Forecast,
    PaceStatus,
    elapsed_fraction,
    forecast_level,
    forecast_sum,
    no_forecast,
    pace_status,
    seasonal_fraction,
)
from app.okr.scoring import (
    Band,
    Bands,
    KRType,
    Scored,
    score_bound,
    score_milestone,
    score_progress,
)
from app.text import Text

Span = tuple[date, date]
Daily = tuple[Decimal | None, list[tuple[date, Decimal | None]]]  # a value and its daily series
ReadAhead = Mapping[Wanted, MetricValue]  # metric ranges read before evaluating


@dataclass(frozen=True)
class KRStatus:
    value: Decimal | None
    start: Decimal | None
    target: Decimal | None
    score: float | None
    band: Band | None
    progress: float | None  # unclamped: above 1 is overshoot
    expected: Decimal | None  # where the value should be today (pace)
    pace: PaceStatus | None
    forecast: Forecast
    span: Span | None  # the dates the value covers (None before they begin)
    stretch_reached: bool = False
    health: Health | None = None  # on track / at risk / off track: `app.okr.health`


def kr_span(kr: KeyResult, cycle: Cycle, today: date) -> tuple[Span, Span] | None:
    """(whole window, the part of it up to today), or None before the window begins."""
    if kr.window is Window.ROLLING and kr.rolling_days:
        yesterday = today - timedelta(days=1)
        window = (yesterday - timedelta(days=kr.rolling_days - 1), yesterday)
        return window, window
    first = kr.window_start if kr.window is Window.RANGE and kr.window_start else cycle.start
    last = kr.window_end if kr.window is Window.RANGE and kr.window_end else cycle.end
    if today < first:
        return None
    return (first, last), (first, min(last, today))


def before_span(first: date, last: date) -> Span:
    """The equally long period just before (a key result's honest default start)."""
    length = (last - first).days + 1
    return first - timedelta(days=length), first - timedelta(days=1)


async def metric_value(
    session: AsyncSession, shop_id: int, key: str, span: Span, ahead: ReadAhead | None = None
) -> Daily:
    """A metric over a span by day: read ahead with other key results' ranges, else now."""
    result = (ahead or {}).get((key, *span))
    if result is None:
        result = await evaluate(session, shop_id, key, span[0], span[1], Granularity.DAY)
    return result.value, result.series


def metric_ranges(kr: KeyResult, cycle: Cycle, today: date) -> tuple[list[Wanted], list[Wanted]]:
    """The metric ranges `evaluate_key_result` reads for a key result today: those whose value
    it uses, and last year's same period, whose days alone it uses (none for milestones,
    manual key results and windows not yet begun)."""
    spans = kr_span(kr, cycle, today)
    if kr.kr_type is KRType.MILESTONE or kr.source is Source.MANUAL or spans is None:
        return [], []
    assert kr.metric_key is not None
    window, so_far = spans
    bound = kr.kr_type in (KRType.STAY_ABOVE, KRType.STAY_BELOW)
    if bound or not _shaped_by_last_year(metric_named(kr.metric_key), kr):
        return [(kr.metric_key, *so_far)], []
    return [(kr.metric_key, *so_far)], [(kr.metric_key, *_last_year(window))]


async def evaluate_key_results(
    session: AsyncSession, shop_id: int, rows: Sequence[tuple[KeyResult, Cycle]], today: date,
    bands: Bands,
) -> list[KRStatus]:  # fmt: skip
    """Each key result's status, as `evaluate_key_result` gives it, with every metric range
    they need read together first."""
    wanted: list[Wanted] = []
    shapes: list[Wanted] = []
    for kr, cycle in rows:
        values, days_only = metric_ranges(kr, cycle, today)
        wanted += values
        shapes += days_only
    ahead = await evaluate_by_day(session, shop_id, wanted, shapes)
    return [
        await evaluate_key_result(session, shop_id, kr, cycle, today, bands, ahead)
        for kr, cycle in rows
    ]


async def evaluate_key_result(
    session: AsyncSession, shop_id: int, kr: KeyResult, cycle: Cycle, today: date, bands: Bands,
    ahead: ReadAhead | None = None,
) -> KRStatus:  # fmt: skip
    spans = kr_span(kr, cycle, today)
    if kr.kr_type is KRType.MILESTONE:
        scored = score_milestone(kr.done)
        return _status(kr, Decimal(int(kr.done)), scored, bands, None, None, spans)
    if kr.source is Source.MANUAL:
        return await _manual(session, kr, bands, spans, today)
    assert kr.metric_key is not None
    metric = metric_named(kr.metric_key)
    if spans is None:
        return _status(kr, None, Scored(None, None), bands, None, None, None)
    window, so_far = spans
    value, daily = await metric_value(session, shop_id, metric.key, so_far, ahead)
    if kr.kr_type in (KRType.STAY_ABOVE, KRType.STAY_BELOW):
        assert kr.target is not None
        scored = score_bound(kr.kr_type, kr.target, (v for _, v in daily))
        pace = None if value is None else _bound_pace(kr, value)
        return _status(kr, value, scored, bands, kr.target, pace, spans)
    fraction = await _fraction(session, shop_id, metric, kr, window, today, ahead)
    start, target = _comparable(kr, metric, fraction)
    scored = score_progress(kr.kr_type, start, target, value)
    due = _linear(metric, fraction)
    expected = start + (target - start) * Decimal(str(due))
    pace = pace_status(scored.progress, due)
    forecast = _forecast(metric, kr, daily, value, window, today)
    return _status(kr, value, scored, bands, expected, pace, spans, forecast)


def grows(metric: Metric[object]) -> bool:
    """A total whose value grows with its range (sums and distinct counts), not a rate."""
    return metric.aggregation is not Aggregation.RATIO


def _linear(metric: Metric[object], fraction: float) -> float:
    """The share of the way expected by now: a growing total is compared with the part of
    start and target due by now (see `_comparable`), so all of it is expected of it."""
    return 1.0 if grows(metric) else fraction


def _comparable(kr: KeyResult, metric: Metric[object], fraction: float) -> tuple[Decimal, Decimal]:
    """Start and target as the value so far should be compared with them. A total over a
    growing window (revenue so far) is compared with the part of start and target due by today;
    at the window's end that is the whole of them."""
    assert kr.start_value is not None
    assert kr.target is not None
    if kr.window is Window.ROLLING or not grows(metric):
        return kr.start_value, kr.target
    share = Decimal(str(fraction))
    return kr.start_value * share, kr.target * share


async def _fraction(
    session: AsyncSession, shop_id: int, metric: Metric[object], kr: KeyResult, window: Span,
    today: date, ahead: ReadAhead | None,
) -> float:  # fmt: skip
    """How much of the window is due by today: last year's shape for totals when the shop has
    last year's same period, else a straight line."""
    linear = elapsed_fraction(window[0], window[1], today)
    if not _shaped_by_last_year(metric, kr):
        return linear
    _, daily = await metric_value(session, shop_id, metric.key, _last_year(window), ahead)
    begun = (min(today, window[1]) - window[0]).days + 1
    seasonal = seasonal_fraction([v or Decimal(0) for _, v in daily], begun)
    return linear if seasonal is None else seasonal


def _shaped_by_last_year(metric: Metric[object], kr: KeyResult) -> bool:
    """Totals over a fixed window follow last year's shape (a rolling window has none)."""
    return metric.aggregation is Aggregation.SUM and kr.window is not Window.ROLLING


def _last_year(window: Span) -> Span:
    return _year_before(window[0]), _year_before(window[1])


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _forecast(
    metric: Metric[object], kr: KeyResult, daily: list[tuple[date, Decimal | None]],
    value: Decimal | None, window: Span, today: date,
) -> Forecast:  # fmt: skip
    if kr.window is Window.ROLLING:
        return no_forecast(Text("a rolling window has no end to forecast"))
    if value is None:
        return no_forecast(Text("no value yet"))
    complete = [v for day, v in daily if day < today and v is not None]
    remaining = max(0, (window[1] - max(today, window[0] - timedelta(days=1))).days)
    rising = kr.kr_type is KRType.INCREASE_TO
    if metric.aggregation is Aggregation.SUM:
        return forecast_sum(complete, value, remaining, kr.target, rising)
    if metric.aggregation is Aggregation.RATIO:
        return forecast_level(complete, value, remaining, kr.target, rising)
    return no_forecast(Text("no forecast model for distinct-customer counts yet"))


def _bound_pace(kr: KeyResult, value: Decimal) -> PaceStatus:
    assert kr.target is not None
    within = value >= kr.target if kr.kr_type is KRType.STAY_ABOVE else value <= kr.target
    return PaceStatus.ON_TRACK if within else PaceStatus.BEHIND


async def _manual(
    session: AsyncSession, kr: KeyResult, bands: Bands, spans: tuple[Span, Span] | None,
    today: date,
) -> KRStatus:  # fmt: skip
    statement = (
        select(CheckIn)
        .where(CheckIn.key_result_id == kr.id, col(CheckIn.value).is_not(None))
        .order_by(col(CheckIn.at).desc())
    )
    check_ins = list((await session.exec(statement)).all())
    value = check_ins[0].value if check_ins else kr.start_value
    if kr.kr_type in (KRType.STAY_ABOVE, KRType.STAY_BELOW):
        assert kr.target is not None
        scored = score_bound(kr.kr_type, kr.target, (c.value for c in check_ins))
        pace = None if value is None else _bound_pace(kr, value)
        return _status(kr, value, scored, bands, kr.target, pace, spans)
    assert kr.start_value is not None
    assert kr.target is not None
    scored = score_progress(kr.kr_type, kr.start_value, kr.target, value)
    fraction = 0.0 if spans is None else elapsed_fraction(*spans[0], today)
    expected = kr.start_value + (kr.target - kr.start_value) * Decimal(str(fraction))
    pace = pace_status(scored.progress, fraction)
    forecast = no_forecast(Text("manual key result: moved by check-ins"))
    return _status(kr, value, scored, bands, expected, pace, spans, forecast)


def _status(
    kr: KeyResult, value: Decimal | None, scored: Scored, bands: Bands,
    expected: Decimal | None, pace: PaceStatus | None, spans: tuple[Span, Span] | None,
    forecast: Forecast | None = None,
) -> KRStatus:  # fmt: skip
    stretch = kr.stretch_target
    reached = (
        value is not None
        and stretch is not None
        and (value >= stretch if kr.kr_type is KRType.INCREASE_TO else value <= stretch)
    )
    band = bands.of(scored.score)
    forecast = forecast or no_forecast(Text("not forecast for this type"))
    return KRStatus(
        value=value,
        start=kr.start_value,
        target=kr.target,
        score=scored.score,
        band=band,
        progress=scored.progress,
        expected=expected,
        pace=pace,
        forecast=forecast,
        span=None if spans is None else spans[1],
        stretch_reached=reached,
        health=key_result_health(band, pace, forecast.probability),
    )
