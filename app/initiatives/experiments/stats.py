"""Experiment statistics as pure functions over counts and sums (ARCHITECTURE, convention 7).

A fixed-horizon design: the sample is planned before the start (`sample_size`), and the
results page calls no winner before it is reached — looking early and stopping at the first
significant answer would flag far more than α of the experiments that change nothing.
Conversions: the pooled two-proportion z-test, Newcombe's hybrid Wilson interval for the
difference (his method 10) and a log-scale interval for the relative lift (the ratio's
delta method). Revenue per recipient: Welch's interval, which assumes no equal variances.
Sample-ratio mismatch: Pearson's chi-square against the configured shares."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from app.initiatives.experiments.distributions import (
    chi_square_survival,
    normal_quantile,
    normal_two_sided_p,
    student_t_cdf,
    student_t_quantile,
)

CONFIDENCE = 0.95
POWER = 0.8
# The SRM check's threshold is strict on purpose: it is run on every look at the results,
# and a false alarm would teach the merchant to ignore the warning.
SRM_ALPHA = 0.001


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def covers(self, value: float) -> bool:
        return self.low <= value <= self.high

    def excludes_zero(self) -> bool:
        return not self.covers(0.0)


@dataclass(frozen=True)
class Test:
    statistic: float
    p_value: float


@dataclass(frozen=True)
class Sample:
    """A group's outcome per member: its size, sum and sum of squares (revenue per recipient
    from one aggregate query, the zeros of those who bought nothing included)."""

    n: int
    total: float
    sum_of_squares: float

    @property
    def mean(self) -> float:
        return self.total / self.n

    @property
    def variance(self) -> float:
        """The unbiased sample variance."""
        if self.n < 2:
            return 0.0
        return max(0.0, (self.sum_of_squares - self.n * self.mean**2) / (self.n - 1))


@dataclass(frozen=True)
class WelchResult:
    difference: float  # treated mean minus control mean
    interval: Interval
    df: float
    p_value: float


@dataclass(frozen=True)
class SampleRatio:
    statistic: float
    p_value: float

    @property
    def mismatch(self) -> bool:
        return self.p_value < SRM_ALPHA


def _two_sided_z(confidence: float) -> float:
    return normal_quantile(1.0 - (1.0 - confidence) / 2.0)


def _check_counts(successes: int, n: int) -> None:
    if n <= 0 or not 0 <= successes <= n:
        raise ValueError("a proportion needs 0 ≤ successes ≤ n and n > 0")


def two_proportion_z_test(x1: int, n1: int, x2: int, n2: int) -> Test:
    """Group 2 against group 1 under the pooled null of equal rates (two-sided)."""
    _check_counts(x1, n1)
    _check_counts(x2, n2)
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0.0:  # nobody or everybody converted in both: no evidence either way
        return Test(0.0, 1.0)
    z = (x2 / n2 - x1 / n1) / se
    return Test(z, normal_two_sided_p(z))


def wilson_interval(successes: int, n: int, confidence: float = CONFIDENCE) -> Interval:
    _check_counts(successes, n)
    z = _two_sided_z(confidence)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return Interval(centre - half, centre + half)


def newcombe_difference(
    x1: int, n1: int, x2: int, n2: int, confidence: float = CONFIDENCE
) -> Interval:
    """The interval for p2 − p1 built from each rate's Wilson interval (Newcombe 1998,
    method 10): unlike the textbook Wald interval it stays inside [−1, 1] and keeps its
    coverage for small counts and rates near zero."""
    p1, p2 = x1 / n1, x2 / n2
    w1, w2 = wilson_interval(x1, n1, confidence), wilson_interval(x2, n2, confidence)
    difference = p2 - p1
    return Interval(
        difference - math.sqrt((p2 - w2.low) ** 2 + (w1.high - p1) ** 2),
        difference + math.sqrt((w2.high - p2) ** 2 + (p1 - w1.low) ** 2),
    )


def relative_lift_interval(
    x1: int, n1: int, x2: int, n2: int, confidence: float = CONFIDENCE
) -> Interval | None:
    """The interval for p2 / p1 − 1, symmetric on the log scale where the ratio's sampling
    distribution is close to normal; None while either group has no conversion."""
    _check_counts(x1, n1)
    _check_counts(x2, n2)
    if x1 == 0 or x2 == 0:
        return None
    log_ratio = math.log((x2 / n2) / (x1 / n1))
    se = math.sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2)
    z = _two_sided_z(confidence)
    return Interval(math.exp(log_ratio - z * se) - 1, math.exp(log_ratio + z * se) - 1)


def welch_interval(control: Sample, treated: Sample, confidence: float = CONFIDENCE) -> WelchResult:
    """Treated mean minus control mean with Welch–Satterthwaite degrees of freedom."""
    if control.n < 2 or treated.n < 2:
        raise ValueError("Welch's interval needs at least two members in each group")
    v1, v2 = control.variance / control.n, treated.variance / treated.n
    difference = treated.mean - control.mean
    se = math.sqrt(v1 + v2)
    if se == 0.0:
        return WelchResult(difference, Interval(difference, difference), math.inf, 1.0)
    df = (v1 + v2) ** 2 / (v1**2 / (control.n - 1) + v2**2 / (treated.n - 1))
    half = student_t_quantile(1.0 - (1.0 - confidence) / 2.0, df) * se
    p_value = 2.0 * student_t_cdf(-abs(difference / se), df)
    return WelchResult(difference, Interval(difference - half, difference + half), df, p_value)


def sample_ratio_check(observed: Sequence[int], shares: Sequence[float]) -> SampleRatio:
    """Pearson's chi-square of the groups' sizes against the configured shares: a mismatch
    means assignment or recording is broken, and the results cannot be trusted."""
    if len(observed) != len(shares) or len(observed) < 2:
        raise ValueError("the check needs a share for each of at least two groups")
    total, share_sum = sum(observed), sum(shares)
    if total == 0:
        return SampleRatio(0.0, 1.0)
    statistic = 0.0
    for count, share in zip(observed, shares, strict=True):
        expected = total * share / share_sum
        statistic += (count - expected) ** 2 / expected
    return SampleRatio(statistic, chi_square_survival(statistic, len(observed) - 1))


@dataclass(frozen=True)
class SampleSize:
    eligible: int  # customers to become eligible, every group counted
    control: int  # of whom in the control group (the holdout)
    treated: int  # and in the treated group compared with it


def sample_size(
    baseline: float,
    expected: float,
    control_share: float = 0.5,
    treated_share: float = 0.5,
    confidence: float = CONFIDENCE,
    power: float = POWER,
) -> SampleSize:
    """Customers needed to detect `baseline` → `expected` with the two-sided pooled z-test
    (Fleiss's formula without continuity correction). The shares are of every eligible
    customer: a 10 % holdout against a 90 % treated group needs more than an even split, and
    one of three variants leaves the others' customers out of the comparison."""
    if not 0 < baseline < 1 or not 0 < expected < 1 or baseline == expected:
        raise ValueError("the rates must differ and lie strictly between 0 and 1")
    if control_share <= 0 or treated_share <= 0 or control_share + treated_share > 1 + 1e-9:
        raise ValueError("both groups need a share, together at most everyone")
    z_alpha, z_beta = _two_sided_z(confidence), normal_quantile(power)
    pooled = (control_share * baseline + treated_share * expected) / (control_share + treated_share)
    null_part = pooled * (1 - pooled) * (1 / control_share + 1 / treated_share)
    alternative_part = (
        baseline * (1 - baseline) / control_share + expected * (1 - expected) / treated_share
    )
    root = (z_alpha * math.sqrt(null_part) + z_beta * math.sqrt(alternative_part)) / abs(
        expected - baseline
    )
    eligible = root * root
    return SampleSize(
        _round_up(eligible),
        _round_up(eligible * control_share),
        _round_up(eligible * treated_share),
    )


def _round_up(value: float) -> int:
    # The tolerance keeps float noise in an exact count (6745.0000000001) from adding one.
    return math.ceil(value - 1e-9)


def days_needed(customers: int, eligible_per_day: float) -> int | None:
    """Days this shop's own flow of eligible customers takes to reach `customers`; None when
    no one became eligible lately (the page says so instead of promising a date)."""
    if eligible_per_day <= 0:
        return None
    return math.ceil(customers / eligible_per_day)
