"""The status rule (`app.okr.health`): the worst of band, pace and forecast."""

from __future__ import annotations

import pytest

from app.okr.health import Health, key_result_health, objective_health
from app.okr.projection import PaceStatus
from app.okr.scoring import Band, Bands


@pytest.mark.parametrize(
    ("band", "pace", "probability", "expected"),
    [
        (Band.GREEN, PaceStatus.ON_TRACK, 0.6, Health.ON_TRACK),
        (Band.GREEN, PaceStatus.AHEAD, None, Health.ON_TRACK),
        (Band.GREEN, PaceStatus.BEHIND, 0.9, Health.AT_RISK),  # "0.77 On track" while behind
        (Band.GREEN, PaceStatus.ON_TRACK, 0.0, Health.OFF_TRACK),  # "0.97" with no chance
        (Band.GREEN, None, 0.24, Health.AT_RISK),
        (Band.GREEN, None, 0.25, Health.ON_TRACK),  # an aggressive target: 1 in 4 is fine
        (Band.GREEN, None, 0.049, Health.OFF_TRACK),
        (Band.YELLOW, PaceStatus.AHEAD, 0.99, Health.AT_RISK),  # a signal never lifts it
        (Band.RED, None, None, Health.OFF_TRACK),
        (None, PaceStatus.AHEAD, 0.9, None),  # no score: nothing to judge
    ],
)
def test_a_key_result_is_as_healthy_as_its_worst_signal(
    band: Band | None, pace: PaceStatus | None, probability: float | None, expected: Health | None
) -> None:
    assert key_result_health(band, pace, probability) is expected


def test_an_objective_with_an_off_track_key_result_is_at_risk_at_best() -> None:
    assert objective_health(Band.GREEN, [Health.ON_TRACK, Health.OFF_TRACK]) is Health.AT_RISK
    assert objective_health(Band.GREEN, [Health.AT_RISK, None]) is Health.ON_TRACK
    assert objective_health(Band.RED, [Health.ON_TRACK]) is Health.OFF_TRACK
    assert objective_health(None, [Health.OFF_TRACK]) is None


def test_the_band_is_the_band_of_the_score_as_shown() -> None:
    """0.696 reads "0.70" on every page, so it is green where green starts at 0.7."""
    bands = Bands()
    assert bands.of(0.696) is Band.GREEN
    assert bands.of(0.694) is Band.YELLOW
    assert bands.of(0.3951) is Band.YELLOW
    assert bands.of(0.394) is Band.RED
