"""The three distributions the experiment statistics need — normal, Student's t and
chi-square — from the standard library alone (no scipy in the service's dependencies).
Student's t and chi-square go through the regularized incomplete beta and gamma functions,
evaluated as in Numerical Recipes (series or continued fraction, whichever converges)."""

from __future__ import annotations

import math
from statistics import NormalDist

STANDARD_NORMAL = NormalDist()
_EPSILON = 1e-15
_TINY = 1e-300
_MAX_ITERATIONS = 10_000


def normal_two_sided_p(z: float) -> float:
    """P(|Z| ≥ |z|), through erfc so a large z keeps its small p-value's precision."""
    return math.erfc(abs(z) / math.sqrt(2))


def normal_quantile(probability: float) -> float:
    return STANDARD_NORMAL.inv_cdf(probability)


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, _MAX_ITERATIONS):
        m2 = 2 * m
        for numerator in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            h *= d * c
        if abs(d * c - 1.0) < _EPSILON:
            return h
    raise ArithmeticError("the incomplete beta function did not converge")


def regularized_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b) for 0 ≤ x ≤ 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    # The continued fraction converges fast below the mean; above it, use the symmetry.
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1.0 - front * _beta_continued_fraction(b, a, 1.0 - x) / b


def student_t_cdf(t: float, df: float) -> float:
    tail = 0.5 * regularized_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0 else tail


def student_t_quantile(probability: float, df: float) -> float:
    """The t with P(T ≤ t) = probability, by bisection on the CDF (monotone, so it always
    converges; 200 halvings reach the float's resolution)."""
    if not 0.0 < probability < 1.0:
        raise ValueError("a quantile needs a probability strictly between 0 and 1")
    if probability < 0.5:
        return -student_t_quantile(1.0 - probability, df)
    low, high = 0.0, 1.0
    while student_t_cdf(high, df) < probability:
        low, high = high, high * 2.0
    for _ in range(200):
        middle = (low + high) / 2.0
        if middle in (low, high):
            break
        if student_t_cdf(middle, df) < probability:
            low = middle
        else:
            high = middle
    return (low + high) / 2.0


def _gamma_series(a: float, x: float) -> float:
    """The lower regularized gamma P(a, x) by its series (x < a + 1)."""
    term = total = 1.0 / a
    denominator = a
    for _ in range(_MAX_ITERATIONS):
        denominator += 1.0
        term *= x / denominator
        total += term
        if abs(term) < abs(total) * _EPSILON:
            return total * math.exp(-x + a * math.log(x) - math.lgamma(a))
    raise ArithmeticError("the incomplete gamma series did not converge")


def _gamma_continued_fraction(a: float, x: float) -> float:
    """The upper regularized gamma Q(a, x) by its continued fraction (x ≥ a + 1)."""
    b = x + 1.0 - a
    c, d = 1.0 / _TINY, 1.0 / b
    h = d
    for i in range(1, _MAX_ITERATIONS):
        numerator = -i * (i - a)
        b += 2.0
        d = numerator * d + b
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = b + numerator / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        if abs(d * c - 1.0) < _EPSILON:
            return h * math.exp(-x + a * math.log(x) - math.lgamma(a))
    raise ArithmeticError("the incomplete gamma continued fraction did not converge")


def chi_square_survival(statistic: float, df: int) -> float:
    """P(X ≥ statistic) for a chi-square variable with df degrees of freedom."""
    if statistic <= 0.0:
        return 1.0
    a, x = df / 2.0, statistic / 2.0
    if x < a + 1.0:
        return 1.0 - _gamma_series(a, x)
    return _gamma_continued_fraction(a, x)
