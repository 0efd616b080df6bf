"""The dashboard's pace marker: how far a key result has come, and where it should be by
today, both as a share (0–1) of the way from start to target."""

from __future__ import annotations

from dataclasses import dataclass

from app.okr.evaluation import KRStatus


@dataclass(frozen=True)
class PaceMarker:
    done: float  # the share of the way covered (clamped to the bar)
    expected: float  # the share that should be covered by today

    @property
    def done_percent(self) -> str:
        return f"{self.done * 100:.1f}"

    @property
    def expected_percent(self) -> str:
        return f"{self.expected * 100:.1f}"


def pace_marker(status: KRStatus) -> PaceMarker | None:
    """None when the key result has no way to measure (no value, start, target or expected
    value)."""
    start, target, expected, value = status.start, status.target, status.expected, status.value
    if start is None or target is None or expected is None or value is None or target == start:
        return None
    # Both from the value itself (a score of a growing total is judged against the part due
    # so far, so it cannot be placed on this bar).
    way = target - start
    return PaceMarker(_clamp(float((value - start) / way)), _clamp(float((expected - start) / way)))


def _clamp(share: float) -> float:
    return min(1.0, max(0.0, share))
