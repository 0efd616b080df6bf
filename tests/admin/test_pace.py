"""The pace marker's shares."""

from __future__ import annotations

from decimal import Decimal

from app.admin.pace import pace_marker
from app.okr.evaluation import KRStatus
from app.okr.projection import Forecast


def status(start: str | None, target: str, expected: str, value: str | None) -> KRStatus:
    return KRStatus(
        value=None if value is None else Decimal(value),
        start=None if start is None else Decimal(start), target=Decimal(target),
        score=None, band=None, progress=None, expected=Decimal(expected), pace=None,
        forecast=Forecast(None, None, None, None, "none"), span=None,
    )  # fmt: skip


def test_the_marker_shows_the_share_done_and_the_share_due() -> None:
    marker = pace_marker(status("100", "200", "150", "125"))
    assert marker is not None
    assert (marker.done_percent, marker.expected_percent) == ("25.0", "50.0")


def test_a_decrease_counts_the_way_down() -> None:
    marker = pace_marker(status("10", "5", "9", "7"))
    assert marker is not None
    assert (marker.done, marker.expected) == (0.6, 0.2)


def test_overshoot_stays_on_the_bar_and_nothing_to_measure_has_no_marker() -> None:
    marker = pace_marker(status("0", "10", "20", "17"))
    assert marker is not None
    assert (marker.done, marker.expected) == (1.0, 1.0)
    assert pace_marker(status(None, "10", "5", "5")) is None
    assert pace_marker(status("10", "10", "10", "10")) is None
    assert pace_marker(status("0", "10", "5", None)) is None
