"""A key result's history chart from its live status and stored history: the values (daily
snapshots, check-ins, and the live value last), the target, the expected pace and the forecast
band — each taken from the evaluation, never computed again here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal

from markupsafe import Markup

from app.admin import formats
from app.admin.i18n import gettext as _
from app.admin.key_result.svg_chart import (
    ChartText,
    ForecastBand,
    HistoryChart,
    Point,
    history_chart,
)
from app.metrics.catalogue import BY_KEY, Unit
from app.metrics.figures import local_day
from app.metrics.service import metric_named
from app.okr.evaluation import KRStatus, Span, grows, kr_span
from app.okr.models import CheckIn, Cycle, KeyResult, Source, Window
from app.okr.scoring import KRType
from app.shops.models import SignedInShop

NumberFormat = Callable[[Decimal | None], str]


def key_result_chart(
    kr: KeyResult, cycle: Cycle, status: KRStatus, entries: Sequence[CheckIn], shop: SignedInShop,
    today: date,
) -> Markup:  # fmt: skip
    first, last = chart_window(kr, cycle)
    chart = HistoryChart(
        values=value_points(entries, status, shop.timezone, min(today, last)),
        first=first,
        last=last,
        target=kr.target,
        pace=pace_points(kr, status, (first, last), today),
        forecast=forecast_band(status, today, last),
        whole=kr.source is Source.METRIC and _unit(kr) is Unit.COUNT,
    )
    return history_chart(chart, _chart_text(kr, status, chart, shop.currency))


def chart_window(kr: KeyResult, cycle: Cycle) -> Span:
    """The days the chart spans: the key result's window, or the cycle for a rolling window
    (whose value is re-measured over the last N days every day)."""
    spans = None if kr.window is Window.ROLLING else kr_span(kr, cycle, cycle.end)
    return spans[0] if spans else (cycle.start, cycle.end)


def value_points(
    entries: Sequence[CheckIn], status: KRStatus, timezone: str, live_day: date
) -> list[Point]:
    """Snapshots on their day, check-ins on their shop-local day, the live value last."""
    points = [
        (entry.snapshot_day or local_day(entry.at, timezone), entry.value)
        for entry in entries
        if entry.value is not None
    ]
    points.sort(key=lambda point: point[0])  # stable: the same day keeps the order taken
    if status.value is not None:
        points.append((live_day, status.value))
    return points


def pace_points(kr: KeyResult, status: KRStatus, window: Span, today: date) -> list[Point]:
    """Start → where the evaluation expects the value today → target at the window's end. A
    total over a growing window starts from nothing (the evaluation compares it with the
    share of start and target due by today), a level from its start value."""
    first, last = window
    rising_or_falling = kr.kr_type in (KRType.INCREASE_TO, KRType.DECREASE_TO)
    if not rising_or_falling or kr.window is Window.ROLLING or status.expected is None:
        return []
    if kr.start_value is None or kr.target is None:
        return []
    origin = kr.start_value
    if kr.source is Source.METRIC and kr.metric_key and grows(metric_named(kr.metric_key)):
        origin = Decimal(0)  # a total so far starts from nothing (see evaluation._comparable)
    expected_today = [(today, status.expected)] if first < today < last else []
    return [(first, origin), *expected_today, (last, kr.target)]


def forecast_band(status: KRStatus, today: date, last: date) -> ForecastBand | None:
    forecast = status.forecast
    if status.value is None or forecast.low is None or forecast.high is None or today >= last:
        return None
    return ForecastBand((today, status.value), last, forecast.low, forecast.high, forecast.value)


def _unit(kr: KeyResult) -> Unit | None:
    metric = BY_KEY.get(kr.metric_key or "")
    return metric.unit if metric else None


def _chart_text(kr: KeyResult, status: KRStatus, chart: HistoryChart, currency: str) -> ChartText:
    def number(value: Decimal | None) -> str:
        return formats.kr_number(value, kr, currency)

    return ChartText(
        title=_("%(title)s over time") % {"title": kr.title},
        description=_description(status, chart, number),
        values=_("Value"),
        target=_("Target"),
        pace=_("Expected pace"),
        forecast=_("Forecast range"),
        empty=_("No history yet"),
        day=lambda day: formats.day(day, "medium"),
        number=number,
    )


def _description(status: KRStatus, chart: HistoryChart, number: NumberFormat) -> str:
    """The chart in words, for screen readers."""
    sentences = [_("From %(first)s to %(last)s.") % _days(chart.first, chart.last)]
    if chart.values:
        latest_day, latest = chart.values[-1]
        sentences.append(
            _("%(count)d values; the latest is %(value)s on %(day)s.")
            % {"count": len(chart.values), "value": number(latest), "day": formats.day(latest_day)}
        )
    else:
        sentences.append(_("No history yet."))
    if chart.target is not None:
        sentences.append(_("Target: %(target)s.") % {"target": number(chart.target)})
    if chart.pace and status.expected is not None:
        sentences.append(_("Expected by now: %(value)s.") % {"value": number(status.expected)})
    if chart.forecast:
        band = chart.forecast
        sentences.append(
            _("Forecast for %(day)s: %(low)s to %(high)s.")
            % {"day": formats.day(band.end), "low": number(band.low), "high": number(band.high)}
        )
    return " ".join(sentences)


def _days(first: date, last: date) -> dict[str, str]:
    return {"first": formats.day(first), "last": formats.day(last)}
