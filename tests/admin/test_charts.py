"""The server-drawn history chart (pure): scales, ticks, empty and single-point charts, a flat
domain, decreasing key results, the forecast band, and text that stays text."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from app.admin.key_result.svg_chart import (
    BOTTOM,
    HEIGHT,
    LEFT,
    RIGHT,
    TOP,
    WIDTH,
    ChartText,
    ForecastBand,
    HistoryChart,
    Scale,
    day_ticks,
    history_chart,
    nice_step,
    value_ticks,
)

FIRST, LAST = date(2026, 1, 1), date(2026, 12, 31)
TEXT = ChartText(
    title="Net sales over time",
    description="From Jan 1 to Dec 31.",
    values="Value",
    target="Target",
    pace="Expected pace",
    forecast="Forecast range",
    empty="No history yet",
    day=lambda day: day.isoformat(),
    number=lambda value: f"{value:.2f}",
)


def points_of(svg: str, css_class: str) -> list[tuple[float, float]]:
    """The (x, y) pixels of the element with that class (a polyline's or polygon's points)."""
    match = re.search(rf'class="{css_class}" points="([^"]+)"', svg)
    assert match, f"no {css_class} in the chart"
    return [(float(x), float(y)) for x, y in (pair.split(",") for pair in match[1].split())]


def test_a_scale_maps_its_domain_onto_its_pixels_and_a_flat_domain_to_the_middle() -> None:
    scale = Scale(Decimal(0), Decimal(1000), Decimal(252), Decimal(40))

    assert scale(Decimal(0)) == 252
    assert scale(Decimal(1000)) == 40
    assert scale(Decimal(500)) == 146
    assert Scale(Decimal(7), Decimal(7), Decimal(252), Decimal(40))(Decimal(7)) == 146


def test_ticks_are_round_numbers_that_cover_the_values() -> None:
    assert nice_step(Decimal(1000), 4) == 500
    assert nice_step(Decimal("0.06"), 4) == Decimal("0.02")
    assert value_ticks([Decimal(0), Decimal(1000)]) == [0, 500, 1000]
    assert value_ticks([Decimal("3.4"), Decimal("2.0")]) == [
        Decimal("2.0"), Decimal("2.5"), Decimal("3.0"), Decimal("3.5")
    ]  # fmt: skip
    assert value_ticks([Decimal("0.21"), Decimal("0.27")])[0] == Decimal("0.20")
    assert str(value_ticks([Decimal(-5), Decimal("12345.67")])[-1]) == "15000"  # not 1.5E+4


def test_equal_values_are_padded_and_counts_tick_at_whole_numbers() -> None:
    single = value_ticks([Decimal(5)])
    zero = value_ticks([Decimal(0)])

    assert single[0] < 5 < single[-1]
    assert zero[0] < 0 < zero[-1]
    assert value_ticks([Decimal(0), Decimal(1)], whole=True) == [0, 1]


def test_day_ticks_run_from_the_first_to_the_last_day_without_repeats() -> None:
    assert day_ticks(FIRST, LAST) == [
        FIRST, date(2026, 4, 2), date(2026, 7, 2), date(2026, 10, 1), LAST
    ]  # fmt: skip
    assert day_ticks(FIRST, date(2026, 1, 2)) == [FIRST, date(2026, 1, 2)]
    assert day_ticks(FIRST, FIRST) == [FIRST]


def test_a_chart_without_values_says_so_and_draws_no_value_line() -> None:
    svg = history_chart(HistoryChart([], FIRST, LAST), TEXT)

    assert svg.startswith("<svg")
    assert svg.endswith("</svg>")
    assert "No history yet" in svg
    assert "chart-values" not in svg
    assert "chart-point" not in svg
    assert "chart-grid" not in svg  # no values at all: no value axis to invent
    assert '<title id="kr-chart-title">Net sales over time</title>' in svg
    assert '<desc id="kr-chart-desc">From Jan 1 to Dec 31.</desc>' in svg
    assert 'aria-labelledby="kr-chart-title kr-chart-desc"' in svg


def test_one_point_is_a_marker_inside_the_plot() -> None:
    svg = history_chart(HistoryChart([(date(2026, 6, 1), Decimal(42))], FIRST, LAST), TEXT)

    marker = re.search(r'class="chart-point" cx="([\d.]+)" cy="([\d.]+)"', svg)
    assert marker is not None
    assert LEFT < float(marker[1]) < WIDTH - RIGHT
    assert TOP < float(marker[2]) < HEIGHT - BOTTOM  # the padded axis keeps it off the edge
    assert "chart-values" not in svg  # a line needs two points
    assert "No history yet" not in svg


def test_start_equal_to_target_divides_by_nothing() -> None:
    flat = [(FIRST, Decimal(10)), (LAST, Decimal(10))]
    svg = history_chart(HistoryChart(flat, FIRST, LAST, Decimal(10), pace=flat), TEXT)

    values, target = points_of(svg, "chart-values"), points_of(svg, "chart-target")
    assert values[0][1] == values[1][1] == target[0][1]
    assert values[0][0] == LEFT
    assert values[1][0] == WIDTH - RIGHT


def test_a_decrease_runs_downwards_with_its_pace_from_start_to_target() -> None:
    pace = [(FIRST, Decimal("3.4")), (LAST, Decimal("2.0"))]
    values = [(FIRST, Decimal("3.4")), (date(2026, 3, 1), Decimal("3.0"))]
    svg = history_chart(HistoryChart(values, FIRST, LAST, Decimal("2.0"), pace), TEXT)

    start, target = points_of(svg, "chart-pace")
    drawn = points_of(svg, "chart-values")
    assert start[1] < target[1]  # pixels grow downwards: 3.4 is drawn above 2.0
    assert drawn[0] == start
    assert drawn[1][1] > drawn[0][1]
    assert points_of(svg, "chart-target")[0][1] == target[1]


def test_the_forecast_band_opens_at_today_and_spans_low_to_high_at_the_end() -> None:
    today = date(2026, 6, 30)
    band = ForecastBand((today, Decimal(400)), LAST, Decimal(700), Decimal(1100), Decimal(900))
    chart = HistoryChart([(FIRST, Decimal(0)), (today, Decimal(400))], FIRST, LAST,
                         Decimal(1000), forecast=band)  # fmt: skip
    svg = history_chart(chart, TEXT)

    opening, high, low = points_of(svg, "chart-forecast")
    centre = points_of(svg, "chart-forecast-centre")
    assert opening == points_of(svg, "chart-values")[-1]
    assert high[0] == low[0] == WIDTH - RIGHT
    assert high[1] < centre[1][1] < low[1]
    assert 'fill="url(#kr-chart-hatch)"' in svg  # a pattern, not only a colour
    assert "Forecast range" in svg


def test_each_series_has_its_own_dash_and_a_legend_entry() -> None:
    pace = [(FIRST, Decimal(0)), (LAST, Decimal(10))]
    svg = history_chart(HistoryChart(pace, FIRST, LAST, Decimal(10), pace), TEXT)

    def dash(name: str) -> str | None:
        element = re.search(rf'<polyline class="{name}"[^>]*>', svg)
        assert element, f"no {name}"
        found = re.search(r'stroke-dasharray="([^"]+)"', element[0])
        return found[1] if found else None

    assert dash("chart-values") is None  # solid
    target_dash, pace_dash = dash("chart-target"), dash("chart-pace")
    assert target_dash
    assert pace_dash
    assert target_dash != pace_dash
    assert [label for label in ("Value", "Target", "Expected pace") if label in svg] == [
        "Value", "Target", "Expected pace"
    ]  # fmt: skip
    assert "Forecast range" not in svg  # no forecast: no legend entry for it


def test_text_in_the_chart_is_escaped() -> None:
    text = ChartText(
        title='<script>alert("t")</script>', description="a & b", values="<b>", target="T",
        pace="P", forecast="F", empty="E", day=lambda day: "<d>", number=lambda value: "<n>",
    )  # fmt: skip
    svg = history_chart(HistoryChart([(FIRST, Decimal(1))], FIRST, LAST), text, 'x"y')

    assert "<script>" not in svg
    assert "<b>" not in svg
    assert "<d>" not in svg
    assert "&lt;script&gt;" in svg
    assert "a &amp; b" in svg
    assert "&lt;n&gt;" in svg
    assert 'id="x&#34;y-title"' in svg
