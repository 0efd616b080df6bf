"""Pace and forecast. The forecast's 90 % interval is checked on seeded synthetic series: over
many simulated cycles it must cover the true end value 90 % of the time, within ±4 points
(the binomial spread of 1 000 runs is about ±1 point; the normal approximation with an
estimated spread costs a little more at 30 observed days)."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from app.okr.projection import (
    PaceStatus,
    elapsed_fraction,
    forecast_level,
    forecast_sum,
    pace_status,
    seasonal_fraction,
)

RUNS, OBSERVED, REMAINING = 1000, 30, 60


def covered(low: Decimal | None, high: Decimal | None, truth: float) -> bool:
    assert low is not None
    assert high is not None
    return float(low) <= truth <= float(high)


def test_a_total_forecast_covers_the_true_end_at_its_stated_rate() -> None:
    rng = random.Random(7)
    hits = 0
    for _ in range(RUNS):
        days = [rng.gauss(100, 30) for _ in range(OBSERVED + REMAINING)]
        seen = [Decimal(str(round(d, 2))) for d in days[:OBSERVED]]
        forecast = forecast_sum(seen, sum(seen, Decimal(0)), REMAINING, None, True)
        hits += covered(forecast.low, forecast.high, sum(days))
    assert 0.86 <= hits / RUNS <= 0.94


def test_a_rate_forecast_covers_the_true_end_at_its_stated_rate() -> None:
    rng = random.Random(11)
    hits = 0
    for _ in range(RUNS):
        days = [rng.gauss(0.03, 0.006) for _ in range(OBSERVED + REMAINING)]
        seen = [Decimal(str(d)) for d in days[:OBSERVED]]
        so_far = sum(seen, Decimal(0)) / OBSERVED
        forecast = forecast_level(seen, so_far, REMAINING, None, True)
        hits += covered(forecast.low, forecast.high, sum(days) / len(days))
    assert 0.86 <= hits / RUNS <= 0.94


def test_probability_of_reaching_the_target() -> None:
    seen = [Decimal(100)] * 10 + [Decimal(110)] * 10
    likely = forecast_sum(seen, Decimal(2100), 10, Decimal(2500), rising=True)
    unlikely = forecast_sum(seen, Decimal(2100), 10, Decimal(4000), rising=True)
    assert likely.probability is not None
    assert unlikely.probability is not None
    assert likely.probability > 0.99 > 0.01 > unlikely.probability


def test_thin_history_says_so() -> None:
    forecast = forecast_sum([Decimal(1)] * 3, Decimal(3), 30, Decimal(10), True)
    assert forecast.value is None
    assert forecast.probability is None
    assert "not enough history yet" in forecast.model


def test_pace_on_a_straight_line_and_last_years_shape() -> None:
    assert elapsed_fraction(date(2026, 1, 1), date(2026, 1, 10), date(2026, 1, 5)) == 0.5
    assert elapsed_fraction(date(2026, 1, 1), date(2026, 1, 10), date(2027, 1, 1)) == 1.0
    assert elapsed_fraction(date(2026, 1, 1), date(2026, 1, 10), date(2025, 1, 1)) == 0.0
    last_year = [Decimal(1)] * 5 + [Decimal(3)] * 5
    assert seasonal_fraction(last_year, 5) == 0.25
    assert seasonal_fraction([], 5) is None
    assert pace_status(0.6, 0.5) is PaceStatus.AHEAD
    assert pace_status(0.52, 0.5) is PaceStatus.ON_TRACK
    assert pace_status(0.3, 0.5) is PaceStatus.BEHIND
