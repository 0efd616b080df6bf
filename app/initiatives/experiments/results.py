"""An experiment's results, composed from its groups' outcomes by the pure statistics: each
group's conversion (Wilson interval) and net sales per member; each group against the control
(the holdout, or without one the first variant); the treated pooled against the control, which
decides the verdict; the sample-ratio check; and the plan — the sample the minimum effect
needs, how far along it is and how many days the shop's own flow of customers takes.

The verdict waits for the plan: before the planned sample no winner is called, whatever the
interval says, because stopping at the first significant look flags far more than 5 % of
experiments that change nothing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from app.initiatives.experiments.outcomes import RECENT, GroupOutcome, Outcomes
from app.initiatives.experiments.stats import (
    Interval,
    Sample,
    SampleRatio,
    SampleSize,
    WelchResult,
    days_needed,
    newcombe_difference,
    relative_lift_interval,
    sample_ratio_check,
    sample_size,
    two_proportion_z_test,
    welch_interval,
    wilson_interval,
)
from app.initiatives.experiments.variants import HOLDOUT

# The plan is to detect a 20 % relative change of the control's conversion (4 % → 4.8 %):
# smaller effects need samples few shops reach within a season.
MINIMUM_EFFECT = 0.2
TREATED = "treated"  # the pooled treated groups


class Verdict(StrEnum):
    NOT_STARTED = "not_started"  # no one placed yet
    COLLECTING = "collecting"  # before the planned sample: no winner is called
    BETTER = "better"
    WORSE = "worse"
    NO_DIFFERENCE = "no_difference"


@dataclass(frozen=True)
class GroupResult:
    group: str
    members: int
    configured_share: float
    observed_share: float
    converted: int
    conversion: float | None
    conversion_interval: Interval | None
    net_sales: Decimal
    net_sales_per_member: float | None


@dataclass(frozen=True)
class Comparison:
    group: str  # a group, or `treated` for every treated group together
    against: str
    difference: float  # conversion, group minus control
    difference_interval: Interval
    relative_interval: Interval | None
    p_value: float
    net_sales: WelchResult | None  # per member, group minus control
    orders: WelchResult | None  # per member, group minus control
    members: int  # in the group (what a per-member difference is scaled by)


@dataclass(frozen=True)
class Plan:
    minimum_effect: float
    baseline: float
    needed: SampleSize
    progress: float  # 0–1, the slower of the two compared groups
    days_left: int | None  # None: no one became eligible lately


@dataclass(frozen=True)
class Results:
    control: str | None
    groups: list[GroupResult]
    comparisons: list[Comparison]
    overall: Comparison | None  # the treated together against the control
    sample_ratio: SampleRatio | None
    plan: Plan | None
    verdict: Verdict
    window_days: int
    has_holdout: bool


def results(outcomes: Outcomes, shares: dict[str, float]) -> Results:
    """The experiment's results for its configured `shares` (every group with its share)."""
    groups = {g: outcomes.groups.get(g, GroupOutcome(g)) for g in shares}
    groups.update({g: o for g, o in outcomes.groups.items() if g not in groups})
    total = sum(o.members for o in groups.values())
    control = HOLDOUT if HOLDOUT in shares else next(iter(shares), None)
    rows = [_group(o, shares.get(g, 0.0), total) for g, o in groups.items()]
    window_days = outcomes.window.days
    if total == 0 or control is None:
        return Results(control, rows, [], None, None, None, Verdict.NOT_STARTED, window_days, False)
    base = groups[control]
    treated_groups = [o for g, o in groups.items() if g != control]
    comparisons = [c for o in treated_groups if (c := _compare(o, base)) is not None]
    overall = _compare(_pooled(treated_groups), base)
    check = _sample_ratio(groups, shares)
    plan = _plan(base, treated_groups, shares, control, total, outcomes.recent_members)
    verdict = _verdict(overall, plan)
    return Results(
        control, rows, comparisons, overall, check, plan, verdict, window_days, control == HOLDOUT
    )


def _group(outcome: GroupOutcome, configured: float, total: int) -> GroupResult:
    n = outcome.members
    return GroupResult(
        outcome.group,
        n,
        configured,
        n / total if total else 0.0,
        outcome.converted,
        outcome.converted / n if n else None,
        wilson_interval(outcome.converted, n) if n else None,
        outcome.net_sales,
        float(outcome.net_sales) / n if n else None,
    )


def _pooled(outcomes: list[GroupOutcome]) -> GroupOutcome:
    pooled = GroupOutcome(TREATED)
    for o in outcomes:
        pooled.members += o.members
        pooled.converted += o.converted
        pooled.orders += o.orders
        pooled.orders_squares += o.orders_squares
        pooled.net_sales += o.net_sales
        pooled.net_sales_squares += o.net_sales_squares
    return pooled


def _compare(group: GroupOutcome, control: GroupOutcome) -> Comparison | None:
    if group.members == 0 or control.members == 0:
        return None
    x1, n1, x2, n2 = control.converted, control.members, group.converted, group.members
    both_large = n1 >= 2 and n2 >= 2
    return Comparison(
        group.group,
        control.group,
        x2 / n2 - x1 / n1,
        newcombe_difference(x1, n1, x2, n2),
        relative_lift_interval(x1, n1, x2, n2),
        two_proportion_z_test(x1, n1, x2, n2).p_value,
        welch_interval(_sales(control), _sales(group)) if both_large else None,
        welch_interval(_orders(control), _orders(group)) if both_large else None,
        n2,
    )


def _sales(o: GroupOutcome) -> Sample:
    return Sample(o.members, float(o.net_sales), float(o.net_sales_squares))


def _orders(o: GroupOutcome) -> Sample:
    return Sample(o.members, float(o.orders), float(o.orders_squares))


def _sample_ratio(groups: dict[str, GroupOutcome], shares: dict[str, float]) -> SampleRatio | None:
    configured = [g for g in shares if shares[g] > 0]
    if len(configured) < 2:
        return None
    return sample_ratio_check(
        [groups[g].members for g in configured], [shares[g] for g in configured]
    )


def _plan(
    control: GroupOutcome,
    treated: list[GroupOutcome],
    shares: dict[str, float],
    control_key: str,
    total: int,
    recent: int,
) -> Plan | None:
    """The sample for `MINIMUM_EFFECT` on the control's rate so far; None until the control
    has a conversion (a rate of zero plans nothing)."""
    if control.converted == 0 or control.converted == control.members:
        return None
    baseline = control.converted / control.members
    expected = min(baseline * (1 + MINIMUM_EFFECT), 0.999)
    treated_share = sum(share for g, share in shares.items() if g != control_key)
    control_share = shares.get(control_key, 0.0)
    if control_share <= 0 or treated_share <= 0:
        return None
    needed = sample_size(baseline, expected, control_share, treated_share)
    treated_members = sum(o.members for o in treated)
    progress = min(control.members / needed.control, treated_members / needed.treated, 1.0)
    per_day = recent / RECENT.days
    left = days_needed(max(needed.eligible - total, 0), per_day) if progress < 1 else 0
    return Plan(MINIMUM_EFFECT, baseline, needed, progress, left)


def _verdict(overall: Comparison | None, plan: Plan | None) -> Verdict:
    if overall is None or plan is None or plan.progress < 1:
        return Verdict.COLLECTING
    if overall.difference_interval.low > 0:
        return Verdict.BETTER
    if overall.difference_interval.high < 0:
        return Verdict.WORSE
    return Verdict.NO_DIFFERENCE
