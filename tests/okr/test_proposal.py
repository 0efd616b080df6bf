"""Proposed targets and the weeks a start is read from (pure functions)."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest

from app.okr.baselines import complete_weeks, first_complete_week
from app.okr.projection import Z90, Forecast, forecast_sum
from app.okr.proposal import GOOD_SCORE, expected_score, good_target


def normal(centre: float, deviation: float) -> Forecast:
    half = Z90 * deviation
    return Forecast(Decimal(str(centre)), Decimal(str(centre - half)),
                    Decimal(str(centre + half)), None, "test")  # fmt: skip


def simulated_score(start: float, target: float, centre: float, deviation: float) -> float:
    """The mean score over many draws of the final value, computed the plain way."""
    draws = random.Random(5)
    scores = [min(1.0, max(0.0, (draws.gauss(centre, deviation) - start) / (target - start)))
              for _ in range(200_000)]  # fmt: skip
    return sum(scores) / len(scores)


def test_the_proposed_target_is_where_the_expected_score_is_good() -> None:
    target = good_target(Decimal(1000), normal(1200, 80), rising=True)

    assert target is not None
    assert target > Decimal(1200)
    assert expected_score(1000, float(target), 1200, 80) == pytest.approx(GOOD_SCORE, abs=1e-6)
    assert simulated_score(1000, float(target), 1200, 80) == pytest.approx(GOOD_SCORE, abs=0.005)


def test_a_decrease_is_proposed_below_its_start() -> None:
    target = good_target(Decimal("0.10"), normal(0.08, 0.005), rising=False)

    assert target is not None
    assert target < Decimal("0.08")
    score = simulated_score(-0.10, -float(target), -0.08, 0.005)
    assert score == pytest.approx(GOOD_SCORE, abs=0.005)


def test_no_target_is_proposed_when_todays_pace_does_not_pass_the_start_often_enough() -> None:
    assert good_target(Decimal(1000), normal(1000, 80), rising=True) is None
    assert good_target(Decimal(1000), normal(1030, 80), rising=True) is None  # P(>start) ≈ 0.65
    assert good_target(Decimal(1000), Forecast(None, None, None, None, "none"), True) is None


def test_without_spread_the_target_is_the_straight_line_answer() -> None:
    target = good_target(Decimal(100), normal(107, 0), rising=True)

    assert target == pytest.approx(Decimal(110), abs=Decimal("0.0001"))


def test_the_chance_of_a_proposed_target_is_the_forecasts_own() -> None:
    days = [Decimal(100 + (day * 37) % 41) for day in range(28)]
    pace = forecast_sum(days, Decimal(0), 90, None, rising=True)
    target = good_target(Decimal(10500), pace, rising=True)
    assert target is not None

    chance = forecast_sum(days, Decimal(0), 90, target, rising=True).probability

    assert chance is not None
    assert 0.05 < chance < 0.5


@pytest.mark.parametrize(
    ("begins", "today", "expected"),
    [
        (date(2026, 1, 1), date(2026, 12, 1), (date(2026, 11, 2), date(2026, 11, 29))),
        (date(2026, 11, 10), date(2026, 12, 1), (date(2026, 11, 16), date(2026, 11, 29))),
        (date(2026, 11, 24), date(2026, 12, 1), None),  # Tuesday: no whole week before today
    ],
)
def test_the_last_complete_weeks_start_on_a_monday_after_the_history_begins(
    begins: date, today: date, expected: tuple[date, date] | None
) -> None:
    assert complete_weeks(begins, today, 4) == expected


def test_the_first_complete_week_is_the_historys_first_whole_week() -> None:
    assert first_complete_week(date(2026, 3, 4), date(2026, 6, 1)) == (
        date(2026, 3, 9), date(2026, 3, 15),
    )  # fmt: skip
    assert first_complete_week(date(2026, 3, 9), date(2026, 3, 15)) is None  # not over yet
