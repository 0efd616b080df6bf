"""The experiment statistics against reference values.

The references were computed with scipy 1.17.1 (`scipy.stats`: norm, t, chi2, chisquare,
ttest_ind with equal_var=False, binomtest(...).proportion_ci(method="wilson")) on the same
counts; the service itself has no scipy. Newcombe's interval is his method 10 applied to
scipy's Wilson bounds, and its first case is the worked example of Newcombe (1998), Statistics
in Medicine 17:873, 56/70 − 48/80 → 0.0524 to 0.3339."""

from __future__ import annotations

import math

import pytest

from app.initiatives.experiments.distributions import (
    chi_square_survival,
    student_t_cdf,
    student_t_quantile,
)
from app.initiatives.experiments.stats import (
    Sample,
    days_needed,
    newcombe_difference,
    relative_lift_interval,
    sample_ratio_check,
    sample_size,
    two_proportion_z_test,
    welch_interval,
    wilson_interval,
)

TOLERANCE = 1e-6


@pytest.mark.parametrize(
    ("df", "expected"),
    [
        (1, 12.706204736174694),
        (2, 4.302652729749462),
        (3, 3.1824463052837078),
        (7.5, 2.333039626864974),
        (10, 2.228138851986274),
        (30, 2.0422724563012378),
        (1000, 1.9623390808264083),
        (123456.7, 1.9599832001362323),
    ],
)
def test_student_t_quantile_matches_scipy(df: float, expected: float) -> None:
    assert student_t_quantile(0.975, df) == pytest.approx(expected, abs=TOLERANCE)
    assert student_t_quantile(0.025, df) == pytest.approx(-expected, abs=TOLERANCE)


def test_student_t_cdf_matches_scipy() -> None:
    assert student_t_cdf(-1.3, 4.7) == pytest.approx(0.12684864793230508, abs=TOLERANCE)
    assert student_t_cdf(2.5, 60.2) == pytest.approx(0.9924193463992983, abs=TOLERANCE)


@pytest.mark.parametrize(
    ("statistic", "df", "expected"),
    [
        (3.2, 1, 0.07363827012030258),
        (0.4, 2, 0.8187307530779818),
        (7.9, 3, 0.04812425184416017),
        (25.0, 3, 1.5440498291101365e-05),
        (100.0, 1, 1.5239706048320995e-23),
        (0.01, 3, 0.9997348349413444),
    ],
)
def test_chi_square_survival_matches_scipy(statistic: float, df: int, expected: float) -> None:
    assert chi_square_survival(statistic, df) == pytest.approx(expected, abs=TOLERANCE, rel=1e-9)


@pytest.mark.parametrize(
    ("counts", "z", "p_value"),
    [
        ((400, 10000, 460, 10000), 2.0914431108501557, 0.03648836105589827),
        ((48, 80, 56, 70), 2.6501719512585336, 0.00804508136819656),
        ((12, 700, 25, 6300), -4.560440543852761, 5.1046414522022116e-06),
    ],
)
def test_pooled_z_test_matches_reference(
    counts: tuple[int, int, int, int], z: float, p_value: float
) -> None:
    test = two_proportion_z_test(*counts)
    assert test.statistic == pytest.approx(z, abs=TOLERANCE)
    assert test.p_value == pytest.approx(p_value, abs=TOLERANCE)


def test_z_test_without_any_conversion_finds_nothing() -> None:
    assert two_proportion_z_test(0, 50, 0, 60).p_value == 1.0


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (56, 70, 0.6918335550374693, 0.8769526075163704),
        (48, 80, 0.490454650051604, 0.7003817240412907),
        (0, 20, 0.0, 0.16112515805281935),
        (460, 10000, 0.04206559125734039, 0.05028307926323395),
    ],
)
def test_wilson_interval_matches_scipy(successes: int, n: int, low: float, high: float) -> None:
    interval = wilson_interval(successes, n)
    assert interval.low == pytest.approx(low, abs=TOLERANCE)
    assert interval.high == pytest.approx(high, abs=TOLERANCE)


@pytest.mark.parametrize(
    ("counts", "low", "high"),
    [
        ((48, 80, 56, 70), 0.052431472402364815, 0.3338726540369059),
        ((400, 10000, 460, 10000), 0.0003745637051081078, 0.011638677787285001),
        ((0, 20, 3, 25), -0.05915689189369622, 0.29955793920927326),
    ],
)
def test_newcombe_difference_matches_reference(
    counts: tuple[int, int, int, int], low: float, high: float
) -> None:
    interval = newcombe_difference(*counts)
    assert interval.low == pytest.approx(low, abs=TOLERANCE)
    assert interval.high == pytest.approx(high, abs=TOLERANCE)


def test_newcombe_published_example_to_four_places() -> None:
    interval = newcombe_difference(48, 80, 56, 70)
    assert (round(interval.low, 4), round(interval.high, 4)) == (0.0524, 0.3339)


@pytest.mark.parametrize(
    ("counts", "low", "high"),
    [
        ((400, 10000, 460, 10000), 0.008702863590053456, 0.3110897646241606),
        ((12, 700, 25, 6300), -0.8831808733186873, -0.5413107614214592),
    ],
)
def test_relative_lift_interval_on_the_log_scale(
    counts: tuple[int, int, int, int], low: float, high: float
) -> None:
    interval = relative_lift_interval(*counts)
    assert interval is not None
    assert interval.low == pytest.approx(low, abs=TOLERANCE)
    assert interval.high == pytest.approx(high, abs=TOLERANCE)


def test_relative_lift_needs_a_conversion_in_each_group() -> None:
    assert relative_lift_interval(0, 100, 5, 100) is None


def test_welch_interval_matches_scipy_ttest_ind() -> None:
    # Revenue per recipient of two seeded groups (numpy default_rng(19): ~5 % and ~7 % buy,
    # gamma-distributed order values, everyone else 0), given as n, sum and sum of squares.
    control = Sample(500, 787.86, 38371.34819999999)
    treated = Sample(800, 4186.32, 389113.8698)
    result = welch_interval(control, treated)
    assert result.difference == pytest.approx(3.65718, abs=TOLERANCE)
    assert result.interval.low == pytest.approx(1.988526419258818, abs=TOLERANCE)
    assert result.interval.high == pytest.approx(5.325833580741182, abs=TOLERANCE)
    assert result.df == pytest.approx(1143.6861702546717, abs=TOLERANCE)
    assert result.p_value == pytest.approx(1.8519746635942576e-05, abs=TOLERANCE)


def test_welch_refuses_a_group_of_one() -> None:
    with pytest.raises(ValueError, match="two members"):
        welch_interval(Sample(1, 5.0, 25.0), Sample(10, 50.0, 300.0))


def test_sample_ratio_check_matches_scipy_chisquare() -> None:
    shares = [0.1, 0.45, 0.45]
    fine = sample_ratio_check([10130, 44830, 45040], shares)
    assert fine.statistic == pytest.approx(2.3677777777777775, abs=TOLERANCE)
    assert fine.p_value == pytest.approx(0.3060860862780624, abs=TOLERANCE)
    assert not fine.mismatch
    skewed = sample_ratio_check([9500, 45250, 45250], shares)
    assert skewed.statistic == pytest.approx(27.77777777777778, abs=TOLERANCE)
    assert skewed.p_value == pytest.approx(9.292491998047342e-07, abs=TOLERANCE)
    assert skewed.mismatch


def test_sample_size_for_four_to_five_percent_is_about_6700_per_arm() -> None:
    # scipy's norm.ppf in the same formula: 13489.866149769787 customers in all.
    plan = sample_size(0.04, 0.05)
    assert (plan.eligible, plan.control, plan.treated) == (13490, 6745, 6745)


def test_a_small_holdout_needs_more_customers_than_an_even_split() -> None:
    # Reference: 38672.49023327211 with a 10 % holdout against 90 % treated.
    plan = sample_size(0.04, 0.05, control_share=0.1, treated_share=0.9)
    assert plan.eligible == math.ceil(38672.49023327211)
    assert plan.control == math.ceil(38672.49023327211 * 0.1)


def test_sample_size_refuses_equal_rates() -> None:
    with pytest.raises(ValueError, match="differ"):
        sample_size(0.05, 0.05)


def test_days_needed_follow_the_shops_own_flow() -> None:
    assert days_needed(13490, 120.0) == 113
    assert days_needed(13490, 0.0) is None
