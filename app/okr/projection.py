"""Pace and forecast of a key result (pure functions).

Pace: where the value should be today on the way from start to target — on a straight line,
or shaped like last year's same period when the shop has it. Forecast: the end-of-cycle value
with a 90 % interval and the probability of reaching the target, by a normal approximation
from the cycle's daily figures so far (stated in `Forecast.model`)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from app.text import Text

MIN_DAYS = 7  # fewer complete days than this: no forecast
Z90 = 1.6448536269514722  # two-sided 90 % of a normal distribution
TOLERANCE = 0.05  # within 5 % of the way from start to target counts as on track


class PaceStatus(StrEnum):
    AHEAD = "ahead"
    ON_TRACK = "on_track"
    BEHIND = "behind"


def elapsed_fraction(first: date, last: date, today: date) -> float:
    """The share of the cycle's days that have begun (today counts), 0–1."""
    days = (last - first).days + 1
    begun = (min(today, last) - first).days + 1
    return min(1.0, max(0.0, begun / days))


def seasonal_fraction(last_year: Sequence[Decimal], begun_days: int) -> float | None:
    """The share of last year's same period done by the same day (None without history)."""
    total = sum(last_year, Decimal(0))
    if len(last_year) < begun_days or total <= 0:
        return None
    return float(sum(last_year[:begun_days], Decimal(0)) / total)


def pace_status(progress: float | None, expected_progress: float) -> PaceStatus | None:
    """Compare the share of the way covered with the share expected by now."""
    if progress is None:
        return None
    if progress > expected_progress + TOLERANCE:
        return PaceStatus.AHEAD
    if progress < expected_progress - TOLERANCE:
        return PaceStatus.BEHIND
    return PaceStatus.ON_TRACK


@dataclass(frozen=True)
class Forecast:
    value: Decimal | None
    low: Decimal | None
    high: Decimal | None
    probability: float | None  # of reaching the target
    model: str


def no_forecast(reason: str) -> Forecast:
    return Forecast(None, None, None, None, reason)


def forecast_sum(
    daily: Sequence[Decimal], so_far: Decimal, remaining_days: int, target: Decimal | None,
    rising: bool,
) -> Forecast:  # fmt: skip
    """A total over the cycle: the days left are like the complete days so far (independent,
    mean and spread estimated from them). Final = so far + n × mean; its variance adds the
    days' own spread (n σ²) and the mean's uncertainty (n² σ² / m)."""
    m, n = len(daily), remaining_days
    if m < MIN_DAYS:
        return no_forecast(
            Text(
                "not enough history yet: %(days)s complete days, %(needed)s needed",
                days=m,
                needed=MIN_DAYS,
            )
        )
    values = [float(day) for day in daily]
    mean, spread = statistics.fmean(values), statistics.stdev(values)
    centre = float(so_far) + n * mean
    deviation = math.sqrt(n * spread**2 + n * n * spread**2 / m)
    return _normal(centre, deviation, target, rising, "normal: daily totals so far, repeated")


def forecast_level(
    daily: Sequence[Decimal], so_far: Decimal, remaining_days: int, target: Decimal | None,
    rising: bool,
) -> Forecast:  # fmt: skip
    """A rate or average over the cycle: the days left are like the days so far, so the
    final value stays near today's; its uncertainty is the days' spread over the days left,
    weighted by their share of the cycle."""
    m, n = len(daily), remaining_days
    if m < MIN_DAYS:
        return no_forecast(
            Text(
                "not enough history yet: %(days)s days with a value, %(needed)s needed",
                days=m,
                needed=MIN_DAYS,
            )
        )
    spread = statistics.stdev(float(day) for day in daily)
    share = n / (m + n)
    deviation = share * spread * math.sqrt(1 / max(n, 1) + 1 / m)
    return _normal(float(so_far), deviation, target, rising, "normal: daily values so far")


def _normal(
    centre: float, deviation: float, target: Decimal | None, rising: bool, model: str
) -> Forecast:
    low, high = centre - Z90 * deviation, centre + Z90 * deviation
    probability = None
    if target is not None:
        if deviation == 0:
            reached = centre >= float(target) if rising else centre <= float(target)
            probability = 1.0 if reached else 0.0
        else:
            z = (float(target) - centre) / deviation
            below = 0.5 * (1 + math.erf(z / math.sqrt(2)))
            probability = 1 - below if rising else below
    return Forecast(_money(centre), _money(low), _money(high), probability, model)


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 4)))
