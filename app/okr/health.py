"""A key result's and an objective's status — on track, at risk, off track — decided here and
nowhere else (pure functions), so the dashboard, the key result's page, the share page, the TV,
the digest and the CSV cannot disagree.

The rule: a key result's status is the worst of three signals — its score's band (green on
track, yellow at risk, red off track), its pace (behind is at risk) and its forecast's chance of
reaching the target (under 25 % at risk, under 5 % off track). A signal that does not exist yet
(no pace, no forecast) says nothing. An objective's status is its score's band, at risk at best
when one of its key results or aligned objectives is off track."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from app.okr.projection import PaceStatus
from app.okr.scoring import Band

AT_RISK_BELOW = 0.25  # a stretch target is reached about one time in three: below 1 in 4 is risk
OFF_TRACK_BELOW = 0.05  # under 1 in 20 the target is as good as out of reach


class Health(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"


_ORDER = [Health.ON_TRACK, Health.AT_RISK, Health.OFF_TRACK]
_OF_BAND = {Band.GREEN: Health.ON_TRACK, Band.YELLOW: Health.AT_RISK, Band.RED: Health.OFF_TRACK}


def worst(signals: Iterable[Health | None]) -> Health | None:
    present = [signal for signal in signals if signal is not None]
    return max(present, key=_ORDER.index) if present else None


def of_band(band: Band | None) -> Health | None:
    return None if band is None else _OF_BAND[band]


def of_pace(pace: PaceStatus | None) -> Health | None:
    if pace is None:
        return None
    return Health.AT_RISK if pace is PaceStatus.BEHIND else Health.ON_TRACK


def of_chance(probability: float | None) -> Health | None:
    if probability is None:
        return None
    if probability < OFF_TRACK_BELOW:
        return Health.OFF_TRACK
    return Health.AT_RISK if probability < AT_RISK_BELOW else Health.ON_TRACK


def key_result_health(
    band: Band | None, pace: PaceStatus | None, probability: float | None
) -> Health | None:
    """None until the key result has a score (nothing to judge yet)."""
    if band is None:
        return None
    return worst([of_band(band), of_pace(pace), of_chance(probability)])


def objective_health(band: Band | None, parts: Iterable[Health | None]) -> Health | None:
    """`parts`: the statuses of its key results and aligned objectives."""
    if band is None:
        return None
    ceiling = Health.AT_RISK if Health.OFF_TRACK in list(parts) else Health.ON_TRACK
    return worst([of_band(band), ceiling])
