"""Acceptance 3 in its quick form: seeded simulations of experiments analysed at the planned
sample (`bench.experiment_power` runs 10 000 of each kind)."""

from __future__ import annotations

import math
import random

from bench.experiment_power import a_a, conversions, detection

RUNS = 2000


def _within_three_standard_errors(flagged: int, expected_rate: float) -> bool:
    spread = 3 * math.sqrt(RUNS * expected_rate * (1 - expected_rate))
    return abs(flagged - RUNS * expected_rate) <= spread


def test_a_true_effect_is_detected_at_about_the_planned_power() -> None:
    result = detection(RUNS)
    assert _within_three_standard_errors(result.by_test, 0.8)
    assert _within_three_standard_errors(result.by_interval, 0.8)


def test_an_a_a_test_is_flagged_at_about_alpha() -> None:
    result = a_a(RUNS)
    assert _within_three_standard_errors(result.by_test, 0.05)
    assert _within_three_standard_errors(result.by_interval, 0.05)


def test_simulated_conversions_have_the_configured_rate() -> None:
    rng = random.Random(7)
    total = sum(conversions(rng, 1000, 0.04) for _ in range(500))
    assert abs(total / 500_000 - 0.04) < 0.001
