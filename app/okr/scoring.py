"""Scoring key results and objectives (pure functions).

Scores run from 0 to 1; 0.7 is a good result for an aggressive key result. Progress past the
target is shown (`progress` > 1) but the score is capped at 1."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum

from app.text import Text

SHOWN = Decimal("0.01")  # scores are shown with two places


class KRType(StrEnum):
    INCREASE_TO = "increase_to"
    DECREASE_TO = "decrease_to"
    STAY_ABOVE = "stay_above"
    STAY_BELOW = "stay_below"
    MILESTONE = "milestone"


class Band(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True)
class Bands:
    """Where green and yellow start (configurable per shop)."""

    green_from: float = 0.7
    yellow_from: float = 0.4

    def of(self, score: float | None) -> Band | None:
        """The band of the score as every page shows it (two places): a 0.696 is read "0.70",
        so it is green where green starts at 0.7."""
        if score is None:
            return None
        shown = float(Decimal(str(score)).quantize(SHOWN, ROUND_HALF_EVEN))
        if shown >= self.green_from:
            return Band.GREEN
        return Band.YELLOW if shown >= self.yellow_from else Band.RED


@dataclass(frozen=True)
class Scored:
    score: float | None  # 0–1, None when there is nothing to score yet
    progress: float | None  # unclamped share of the way from start to target


def target_problems(
    kind: KRType, start: Decimal | None, target: Decimal | None, stretch: Decimal | None
) -> dict[str, str]:
    """Field → why the combination cannot be scored (empty when it can)."""
    if kind is KRType.MILESTONE:
        return {}
    if target is None:
        return {"target": Text("a target is needed for this type")}
    if kind in (KRType.STAY_ABOVE, KRType.STAY_BELOW):
        return {}
    if start is None:
        return {}  # filled in from the metric's history before scoring
    errors: dict[str, str] = {}
    rising = kind is KRType.INCREASE_TO
    if target == start:
        errors["target"] = Text(
            "the target is the start value itself: set it above the start for an increase, "
            "below it for a decrease"
        )
    elif rising and target < start:
        errors["target"] = Text("an increase needs a target above its start value")
    elif not rising and target > start:
        errors["target"] = Text("a decrease needs a target below its start value")
    if stretch is not None and (stretch <= target if rising else stretch >= target):
        errors["stretch_target"] = Text("a stretch target lies beyond the target")
    return errors


def score_progress(kind: KRType, start: Decimal, target: Decimal, value: Decimal | None) -> Scored:
    """increase_to / decrease_to: the share of the way from start to target, clamped to 0–1."""
    if value is None or target == start:
        return Scored(None, None)
    progress = float((value - start) / (target - start))  # direction-aware by construction
    return Scored(min(1.0, max(0.0, progress)), progress)


def score_bound(kind: KRType, bound: Decimal, daily: Iterable[Decimal | None]) -> Scored:
    """stay_above / stay_below: the share of days (with a value) within the bound."""
    values = [value for value in daily if value is not None]
    if not values:
        return Scored(None, None)
    within = sum(
        1 for value in values if (value >= bound if kind is KRType.STAY_ABOVE else value <= bound)
    )
    share = within / len(values)
    return Scored(share, share)


def score_milestone(done: bool) -> Scored:
    return Scored(1.0 if done else 0.0, 1.0 if done else 0.0)


def weighted_mean(scores: Sequence[tuple[float | None, float]]) -> float | None:
    """The weighted mean of the scores that exist (an unscored item does not pull it down)."""
    present = [(score, weight) for score, weight in scores if score is not None and weight > 0]
    total = sum(weight for _, weight in present)
    if not total:
        return None
    return sum(score * weight for score, weight in present) / total
