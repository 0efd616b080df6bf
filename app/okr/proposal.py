"""Proposed targets (pure): where a key result's expected score at the cycle's end is 0.7 — a
good result for an aggressive key result (`scoring`) — given the forecast of its final value.

The score is the share of the way from start to target, clamped to 0–1. For a final value X
that is normal (centre μ, deviation σ), E[score] = (G(start) − G(target)) / (target − start)
with G(a) = E[(X − a)⁺] = σ φ(z) + (μ − a)(1 − Φ(z)), z = (a − μ)/σ. It falls from P(X > start)
just beyond the start to 0 far away, so a target with an expected score of 0.7 exists only
when today's pace makes passing the start likelier than 0.7: otherwise there is none."""

from __future__ import annotations

import math
from decimal import Decimal

from app.okr.projection import Z90, Forecast

GOOD_SCORE = 0.7
_STEPS = 200  # bisection steps: far below a cent on any store's totals


def deviation_of(forecast: Forecast) -> float | None:
    """The forecast's standard deviation, from its 90 % interval (None without a forecast)."""
    if forecast.value is None or forecast.low is None or forecast.high is None:
        return None
    return float(forecast.high - forecast.low) / (2 * Z90)


def expected_score(start: float, target: float, centre: float, deviation: float) -> float:
    """E[score] of an increase from `start` to `target` (target > start) for a normal final
    value; a decrease is the same with every number negated."""
    if deviation <= 0:
        return min(1.0, max(0.0, (centre - start) / (target - start)))
    return (_above(start, centre, deviation) - _above(target, centre, deviation)) / (target - start)


def good_target(start: Decimal, forecast: Forecast, rising: bool) -> Decimal | None:
    """The target at which the expected score is `GOOD_SCORE` (None when no target beyond the
    start reaches it at today's pace, or there is no forecast)."""
    deviation = deviation_of(forecast)
    if deviation is None or forecast.value is None:
        return None
    sign = 1.0 if rising else -1.0
    low, centre = sign * float(start), sign * float(forecast.value)
    if expected_score(low, low + _tiny(low, centre, deviation), centre, deviation) <= GOOD_SCORE:
        return None
    distance = max(abs(centre - low), deviation, _tiny(low, centre, deviation))
    while expected_score(low, low + distance, centre, deviation) > GOOD_SCORE:
        distance *= 2
    near, far = 0.0, distance
    for _ in range(_STEPS):
        middle = (near + far) / 2
        if expected_score(low, low + middle, centre, deviation) > GOOD_SCORE:
            near = middle
        else:
            far = middle
    return Decimal(str(sign * (low + (near + far) / 2)))


def _above(a: float, centre: float, deviation: float) -> float:
    """E[(X − a)⁺] for X normal."""
    z = (a - centre) / deviation
    density = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    upper = 0.5 * math.erfc(z / math.sqrt(2))
    return deviation * density + (centre - a) * upper


def _tiny(start: float, centre: float, deviation: float) -> float:
    """A step just beyond the start, relative to the numbers' size."""
    return max(abs(start), abs(centre), deviation, 1e-9) * 1e-9
