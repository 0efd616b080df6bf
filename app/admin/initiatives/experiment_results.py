"""An experiment's results said in the merchant's language: each group's row, each variant
against the control, the sample-ratio warning, the progress toward the planned sample, the
verdict (none before the planned sample — said in words), and the lift on each linked key
result in its own unit."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.admin.formats import money, number, percent
from app.admin.i18n import gettext as _
from app.initiatives.experiments.lift import KeyResultLift, Measure
from app.initiatives.experiments.results import Comparison, GroupResult, Results, Verdict
from app.initiatives.experiments.variants import HOLDOUT, TREATED


@dataclass(frozen=True)
class GroupRow:
    group: str
    label: str
    members: str
    share: str  # observed, with the configured share
    converted: str
    conversion: str  # with its 95 % interval
    per_member: str  # net sales per member


@dataclass(frozen=True)
class ComparisonRow:
    label: str
    difference: str  # in percentage points, with its interval
    relative: str


@dataclass(frozen=True)
class Progress:
    ratio: float  # 0–1, for the bar
    shown: str  # "37 %"
    sentence: str


@dataclass(frozen=True)
class ResultsView:
    groups: list[GroupRow]
    comparisons: list[ComparisonRow]
    verdict: str
    verdict_code: str
    sample_ratio_warning: str | None
    progress: Progress | None
    lifts: list[str]
    window: str


def group_label(group: str) -> str:
    if group == HOLDOUT:
        return _("Held out")
    if group == TREATED:
        return _("Receives the e-mails")
    return _("Variant “%(key)s”") % {"key": group}


def results_view(results: Results, lifts: list[KeyResultLift], currency: str) -> ResultsView:
    return ResultsView(
        [_group_row(g, currency) for g in results.groups],
        [_comparison_row(c) for c in results.comparisons],
        _verdict(results),
        results.verdict.value,
        _sample_ratio(results),
        _progress(results),
        [lift_sentence(lift, currency) for lift in lifts],
        _("Orders count when placed within %(days)s days of joining the experiment.")
        % {"days": results.window_days},
    )


def _group_row(group: GroupResult, currency: str) -> GroupRow:
    conversion = "—"
    if group.conversion is not None and group.conversion_interval is not None:
        conversion = _("%(rate)s (%(low)s to %(high)s)") % {
            "rate": _pct(group.conversion),
            "low": _pct(group.conversion_interval.low),
            "high": _pct(group.conversion_interval.high),
        }
    per_member = (
        "—" if group.net_sales_per_member is None
        else money(Decimal(str(round(group.net_sales_per_member, 2))), currency)
    )  # fmt: skip
    share = _("%(observed)s (planned %(planned)s)") % {
        "observed": _pct(group.observed_share),
        "planned": _pct(group.configured_share),
    }
    return GroupRow(
        group.group, group_label(group.group), number(group.members, 0), share,
        number(group.converted, 0), conversion, per_member,
    )  # fmt: skip


def _comparison_row(comparison: Comparison) -> ComparisonRow:
    interval = comparison.difference_interval
    difference = _("%(value)s points (%(low)s to %(high)s)") % {
        "value": _points(comparison.difference),
        "low": _points(interval.low),
        "high": _points(interval.high),
    }
    relative = "—"
    if comparison.relative_interval is not None:
        relative = _("%(low)s to %(high)s") % {
            "low": _signed_pct(comparison.relative_interval.low),
            "high": _signed_pct(comparison.relative_interval.high),
        }
    label = _("%(group)s against %(control)s") % {
        "group": group_label(comparison.group),
        "control": group_label(comparison.against).lower(),
    }
    return ComparisonRow(label, difference, relative)


def _verdict(results: Results) -> str:
    if results.verdict is Verdict.NOT_STARTED:
        return _("No customer has joined the experiment yet.")
    if results.verdict is Verdict.COLLECTING:
        return _(
            "No winner yet, on purpose: the planned number of customers has not been reached. "
            "Calling a winner at the first good-looking day would often pick one that is not; "
            "the verdict comes when the plan is reached."
        )
    if results.verdict is Verdict.BETTER:
        return (
            _(
                "The initiative works: the customers who received it ordered more often than the "
                "comparison group, and the 95 %% interval of the difference is above zero."
            )
            % {}
        )
    if results.verdict is Verdict.WORSE:
        return (
            _(
                "The customers who received it ordered less often than the comparison group: the "
                "95 %% interval of the difference is below zero."
            )
            % {}
        )
    return (
        _(
            "No difference could be measured at the planned sample: the 95 %% interval of the "
            "difference includes zero. A smaller effect is possible, but not shown."
        )
        % {}
    )


def _sample_ratio(results: Results) -> str | None:
    check = results.sample_ratio
    if check is None or not check.mismatch:
        return None
    return _(
        "The groups' sizes do not match the planned split (chance would rarely do this, "
        "p = %(p)s). Customers may be missing from a group; do not trust these results until "
        "the cause is found."
    ) % {"p": f"{check.p_value:.1e}"}


def _progress(results: Results) -> Progress | None:
    plan = results.plan
    if plan is None:
        return None
    sentence = _(
        "%(have)s of %(need)s customers planned, enough to detect a change of %(effect)s "
        "in a conversion of %(base)s."
    ) % {
        "have": number(sum(g.members for g in results.groups), 0),
        "need": number(plan.needed.eligible, 0),
        "effect": _pct(plan.minimum_effect),
        "base": _pct(plan.baseline),
    }
    if plan.progress < 1:
        if plan.days_left is None:
            sentence += " " + _("No one has joined lately, so no date can be given.")
        else:
            sentence += " " + _("About %(days)s more days at this shop's pace.") % {
                "days": number(plan.days_left, 0)
            }
    return Progress(plan.progress, _pct(plan.progress), sentence)


def lift_sentence(lift: KeyResultLift, currency: str) -> str:
    def amount(value: float) -> str:
        if lift.measure is Measure.NET_SALES:
            return money(Decimal(str(round(value, 2))), currency)
        return number(value, 1)

    words = {
        Measure.NET_SALES: _(
            "Added %(value)s in net sales to “%(title)s” (95 %% interval %(low)s to %(high)s)."
        ),
        Measure.ORDERS: _(
            "Added %(value)s orders to “%(title)s” (95 %% interval %(low)s to %(high)s)."
        ),
        Measure.CUSTOMERS: _(
            "Added %(value)s customers who ordered to “%(title)s” "
            "(95 %% interval %(low)s to %(high)s)."
        ),
    }[lift.measure]
    said = words % {
        "value": amount(lift.added),
        "title": lift.title,
        "low": amount(lift.interval.low),
        "high": amount(lift.interval.high),
    }
    if not lift.direct:
        said += " " + _(
            "This key result is a rate or a score, which cannot be split by group: its lift is "
            "counted in customers who ordered."
        )
    return said


def _pct(ratio: float) -> str:
    return percent(Decimal(str(ratio)))


def _points(value: float) -> str:
    sign = "+" if value > 0 else ""
    return sign + number(value * 100, 1)


def _signed_pct(value: float) -> str:
    return ("+" if value > 0 else "") + _pct(value)
