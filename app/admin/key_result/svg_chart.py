"""Charts drawn as SVG on the server (pure functions): a key result's value over time, its
target, the expected pace and the forecast band.

The markup is built from numbers only; every text placed in it (title, description, legend,
tick labels) goes through `markupsafe.escape`. Scales work in `Decimal`, so money is never
rounded through a float before it becomes a pixel, and a flat domain (one point, start equal to
target) maps to the middle instead of dividing by zero. Each series differs by its dash as well
as by its colour."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from markupsafe import Markup, escape

Point = tuple[date, Decimal]

WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 92, 16, 40, 28  # room for value ticks, the legend, the day ticks
LEGEND_ITEM = 150  # px per legend entry: room for "Erwartetes Tempo" at 12 px

VALUES_STYLE = 'stroke="#005bd3" stroke-width="2.5" fill="none"'
TARGET_STYLE = 'stroke="#303030" stroke-width="1.5" stroke-dasharray="8 4" fill="none"'
PACE_STYLE = 'stroke="#b54708" stroke-width="2" stroke-dasharray="2 4" fill="none"'
FORECAST_COLOUR = "#6e3fc2"
FORECAST_CENTRE_STYLE = (
    f'stroke="{FORECAST_COLOUR}" stroke-width="1.5" stroke-dasharray="5 2 1 2" fill="none"'
)


@dataclass(frozen=True)
class ForecastBand:
    """From today's value, widening to the low–high range at the window's end."""

    start: Point
    end: date
    low: Decimal
    high: Decimal
    centre: Decimal | None = None


@dataclass(frozen=True)
class HistoryChart:
    values: Sequence[Point]  # oldest first
    first: date  # the window the key result is measured over
    last: date
    target: Decimal | None = None
    pace: Sequence[Point] = ()  # where the value should be, day by day (a polyline)
    forecast: ForecastBand | None = None
    whole: bool = False  # counts: ticks at whole numbers only


@dataclass(frozen=True)
class ChartText:
    """What the chart says, already translated; and how it writes days and values."""

    title: str
    description: str
    values: str
    target: str
    pace: str
    forecast: str
    empty: str
    day: Callable[[date], str]
    number: Callable[[Decimal], str]


@dataclass(frozen=True)
class Scale:
    """A linear map from a domain [low, high] to pixels [start, end]."""

    low: Decimal
    high: Decimal
    start: Decimal
    end: Decimal

    def __call__(self, value: Decimal) -> Decimal:
        if self.high == self.low:
            return (self.start + self.end) / 2
        return self.start + (value - self.low) * (self.end - self.start) / (self.high - self.low)


def nice_step(span: Decimal, intervals: int) -> Decimal:
    """A round step (1, 2 or 5 × 10ⁿ) that cuts `span` into about `intervals` parts."""
    raw = span / intervals
    magnitude = Decimal(1).scaleb(raw.adjusted())
    fraction = raw / magnitude  # 1 ≤ fraction < 10
    nice = next((n for n in (1, 2, 5) if fraction <= n), 10)
    return magnitude * nice


def value_ticks(
    values: Sequence[Decimal], intervals: int = 4, whole: bool = False
) -> list[Decimal]:
    """Round ticks covering the values; their first and last are the axis's domain. A single
    value (or all equal) is padded so that it sits inside the axis, not on its edge."""
    low, high = min(values), max(values)
    if low == high:
        pad = abs(low) / 10 or Decimal(1)
        low, high = low - pad, high + pad
    step = nice_step(high - low, intervals)
    if whole:
        step = max(step, Decimal(1))
    first = (low / step).to_integral_value(ROUND_FLOOR) * step
    last = (high / step).to_integral_value(ROUND_CEILING) * step
    count = int((last - first) / step)
    return [_plain(first + step * i) for i in range(count + 1)]


def _plain(value: Decimal) -> Decimal:
    """500 rather than 5E+2 (the same number, written out)."""
    return value.quantize(Decimal(1)) if int(value.as_tuple().exponent) > 0 else value


def day_ticks(first: date, last: date, intervals: int = 4) -> list[date]:
    """Evenly spread days from first to last, both included, without repeats."""
    span = (last - first).days
    days = [first + timedelta(days=round(span * i / intervals)) for i in range(intervals + 1)]
    return sorted(set(days))


def history_chart(chart: HistoryChart, text: ChartText, chart_id: str = "kr-chart") -> Markup:
    """The chart as one <svg> element (responsive: it scales with its container)."""
    first, last = _day_domain(chart)
    values = _all_values(chart)
    ticks = value_ticks(values or [Decimal(0)], whole=chart.whole)
    x = Scale(_ordinal(first), _ordinal(last), Decimal(LEFT), Decimal(WIDTH - RIGHT))
    y = Scale(ticks[0], ticks[-1], Decimal(HEIGHT - BOTTOM), Decimal(TOP))

    def at(point: Point) -> str:
        return f"{_px(x(_ordinal(point[0])))},{_px(y(point[1]))}"

    ident = escape(chart_id)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{ident}-title">{escape(text.title)}</title>',
        f'<desc id="{ident}-desc">{escape(text.description)}</desc>',
        _hatch(ident),
        *(_value_axis(ticks, y, text.number) if values else []),
        *_day_axis(day_ticks(first, last), x, text.day),
        *_forecast(chart.forecast, at, ident),
        *_target(chart.target, first, last, at),
        *_pace(chart.pace, at),
        *_values(chart.values, at),
        *_legend(chart, text, ident),
    ]
    if not chart.values:
        parts.append(
            f'<text class="chart-empty" x="{(LEFT + WIDTH - RIGHT) // 2}" '
            f'y="{(TOP + HEIGHT - BOTTOM) // 2}" text-anchor="middle" font-size="14" '
            f'fill="#616161">{escape(text.empty)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _day_domain(chart: HistoryChart) -> tuple[date, date]:
    days = [chart.first, chart.last, *(day for day, _ in chart.values)]
    days += [day for day, _ in chart.pace]
    if chart.forecast:
        days += [chart.forecast.start[0], chart.forecast.end]
    return min(days), max(days)


def _all_values(chart: HistoryChart) -> list[Decimal]:
    values = [value for _, value in (*chart.values, *chart.pace)]
    if chart.target is not None:
        values.append(chart.target)
    if chart.forecast:
        values += [chart.forecast.start[1], chart.forecast.low, chart.forecast.high]
    return values


def _ordinal(day: date) -> Decimal:
    return Decimal(day.toordinal())


def _px(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.1")), "f")


def _hatch(ident: Markup) -> str:
    return (
        f'<defs><pattern id="{ident}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="{FORECAST_COLOUR}" fill-opacity="0.08"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{FORECAST_COLOUR}" stroke-width="1.5" '
        'stroke-opacity="0.45"/></pattern></defs>'
    )


def _value_axis(ticks: list[Decimal], y: Scale, number: Callable[[Decimal], str]) -> list[str]:
    parts = []
    for tick in ticks:
        level = _px(y(tick))
        parts.append(
            f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{level}" '
            f'y2="{level}" stroke="#e3e3e3" stroke-width="1"/>'
            f'<text x="{LEFT - 8}" y="{level}" dy="0.32em" text-anchor="end" font-size="11" '
            f'fill="#616161">{escape(number(tick))}</text>'
        )
    return parts


def _day_axis(days: list[date], x: Scale, day: Callable[[date], str]) -> list[str]:
    parts = [
        f'<line class="chart-axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" '
        f'y2="{HEIGHT - BOTTOM}" stroke="#8a8a8a" stroke-width="1"/>'
    ]
    for index, tick in enumerate(days):
        # The first and last labels are anchored inwards so they stay inside the chart.
        anchor = "start" if index == 0 else "end" if index == len(days) - 1 else "middle"
        anchor = "middle" if len(days) == 1 else anchor
        parts.append(
            f'<text x="{_px(x(_ordinal(tick)))}" y="{HEIGHT - BOTTOM + 18}" '
            f'text-anchor="{anchor}" font-size="11" fill="#616161">{escape(day(tick))}</text>'
        )
    return parts


def _forecast(band: ForecastBand | None, at: Callable[[Point], str], ident: Markup) -> list[str]:
    if band is None or band.end <= band.start[0]:
        return []
    corners = " ".join(at(p) for p in (band.start, (band.end, band.high), (band.end, band.low)))
    parts = [
        f'<polygon class="chart-forecast" points="{corners}" fill="url(#{ident}-hatch)" '
        f'stroke="{FORECAST_COLOUR}" stroke-width="1" stroke-dasharray="1 3"/>'
    ]
    if band.centre is not None:
        centre = f"{at(band.start)} {at((band.end, band.centre))}"
        parts.append(
            f'<polyline class="chart-forecast-centre" points="{centre}" {FORECAST_CENTRE_STYLE}/>'
        )
    return parts


def _target(
    target: Decimal | None, first: date, last: date, at: Callable[[Point], str]
) -> list[str]:
    if target is None:
        return []
    ends = f"{at((first, target))} {at((last, target))}"
    return [f'<polyline class="chart-target" points="{ends}" {TARGET_STYLE}/>']


def _pace(pace: Sequence[Point], at: Callable[[Point], str]) -> list[str]:
    if len(pace) < 2:
        return []
    points = " ".join(at(point) for point in pace)
    return [f'<polyline class="chart-pace" points="{points}" {PACE_STYLE}/>']


def _values(values: Sequence[Point], at: Callable[[Point], str]) -> list[str]:
    parts = []
    if len(values) > 1:
        points = " ".join(at(point) for point in values)
        parts.append(f'<polyline class="chart-values" points="{points}" {VALUES_STYLE}/>')
    for point in values:  # markers: a single point is still seen
        cx, cy = at(point).split(",")
        parts.append(f'<circle class="chart-point" cx="{cx}" cy="{cy}" r="3" fill="#005bd3"/>')
    return parts


def _legend(chart: HistoryChart, text: ChartText, ident: Markup) -> list[str]:
    entries = [(text.values, f'<line x1="0" x2="24" y1="0" y2="0" {VALUES_STYLE}/>')]
    if chart.target is not None:
        entries.append((text.target, f'<line x1="0" x2="24" y1="0" y2="0" {TARGET_STYLE}/>'))
    if len(chart.pace) > 1:
        entries.append((text.pace, f'<line x1="0" x2="24" y1="0" y2="0" {PACE_STYLE}/>'))
    if chart.forecast is not None and chart.forecast.end > chart.forecast.start[0]:
        entries.append(
            (
                text.forecast,
                f'<rect x="0" y="-6" width="24" height="12" fill="url(#{ident}-hatch)" '
                f'stroke="{FORECAST_COLOUR}" stroke-dasharray="1 3"/>',
            )
        )
    return [
        f'<g class="chart-legend" transform="translate({LEFT + index * LEGEND_ITEM},14)">'
        f'{sample}<text x="30" dy="0.32em" font-size="12" fill="#303030">{escape(label)}</text>'
        "</g>"
        for index, (label, sample) in enumerate(entries)
    ]
