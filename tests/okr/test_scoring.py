"""Scoring every key-result type, invalid combinations, overshoot, bands and weighted means."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from app.okr.scoring import (
    Band,
    Bands,
    KRType,
    score_bound,
    score_milestone,
    score_progress,
    target_problems,
    weighted_mean,
)


def test_increase_to_scores_the_share_of_the_way() -> None:
    assert score_progress(KRType.INCREASE_TO, D(100), D(120), D(110)).score == 0.5
    assert score_progress(KRType.INCREASE_TO, D(100), D(120), D(90)).score == 0.0
    assert score_progress(KRType.INCREASE_TO, D(100), D(120), None).score is None


def test_overshoot_is_shown_but_the_score_is_capped() -> None:
    scored = score_progress(KRType.INCREASE_TO, D(100), D(120), D(130))
    assert (scored.score, scored.progress) == (1.0, 1.5)
    scored = score_progress(KRType.DECREASE_TO, D(10), D(5), D(4))
    assert (scored.score, scored.progress) == (1.0, 1.2)


def test_decrease_to_is_direction_aware() -> None:
    assert score_progress(KRType.DECREASE_TO, D(10), D(5), D("7.5")).score == 0.5
    assert score_progress(KRType.DECREASE_TO, D(10), D(5), D(12)).score == 0.0


def test_stay_above_and_below_score_the_share_of_days_within_the_bound() -> None:
    days = [D(5), D(7), None, D(4), D(9)]
    assert score_bound(KRType.STAY_ABOVE, D(5), days).score == 0.75  # 5, 7, 9 of 4 days
    assert score_bound(KRType.STAY_BELOW, D(5), days).score == 0.5  # 5, 4
    assert score_bound(KRType.STAY_ABOVE, D(5), [None]).score is None


def test_milestones_are_zero_or_one() -> None:
    assert score_milestone(True).score == 1.0
    assert score_milestone(False).score == 0.0


@pytest.mark.parametrize(
    ("kind", "start", "target", "stretch", "field"),
    [
        (KRType.DECREASE_TO, D(10), D(12), None, "target"),
        (KRType.INCREASE_TO, D(10), D(8), None, "target"),
        (KRType.INCREASE_TO, D(10), D(10), None, "target"),
        (KRType.INCREASE_TO, D(10), D(12), D(11), "stretch_target"),
        (KRType.DECREASE_TO, D(10), D(5), D(6), "stretch_target"),
        (KRType.STAY_ABOVE, None, None, None, "target"),
    ],
)
def test_invalid_combinations_name_the_field(
    kind: KRType, start: D | None, target: D | None, stretch: D | None, field: str
) -> None:
    errors = target_problems(kind, start, target, stretch)
    assert field in errors
    assert errors[field]  # a reason a merchant can act on


def test_valid_combinations_pass() -> None:
    assert target_problems(KRType.INCREASE_TO, D(10), D(12), D(15)) == {}
    assert target_problems(KRType.DECREASE_TO, D(10), D(5), D(4)) == {}
    assert target_problems(KRType.STAY_BELOW, None, D(3), None) == {}
    assert target_problems(KRType.MILESTONE, None, None, None) == {}


def test_bands_default_and_configured() -> None:
    assert [Bands().of(s) for s in (0.7, 0.69, 0.4, 0.39, None)] == [
        Band.GREEN,
        Band.YELLOW,
        Band.YELLOW,
        Band.RED,
        None,
    ]
    assert Bands(green_from=0.8, yellow_from=0.5).of(0.75) is Band.YELLOW


def test_weighted_mean_skips_unscored_items() -> None:
    assert weighted_mean([(1.0, 3), (0.0, 1)]) == 0.75
    assert weighted_mean([(0.5, 1), (None, 5)]) == 0.5
    assert weighted_mean([(None, 1)]) is None
