"""The results composed from groups' outcomes: no winner before the planned sample, the
verdict after it, the sample-ratio warning, and the lift scaled to the treated population."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from app.initiatives.experiments.lift import Measure, lifts, measure_for
from app.initiatives.experiments.outcomes import GroupOutcome, Outcomes
from app.initiatives.experiments.results import Verdict, results

SHARES = {"holdout": 0.5, "treated": 0.5}


def _outcomes(*groups: GroupOutcome, recent: int = 0) -> Outcomes:
    return Outcomes(timedelta(days=7), {g.group: g for g in groups}, recent)


def _group(name: str, members: int, converted: int, order_value: int = 50) -> GroupOutcome:
    value = Decimal(order_value)
    return GroupOutcome(
        name, members, converted, converted, converted,
        value * converted, value * value * converted,
    )  # fmt: skip


def test_no_winner_is_called_before_the_planned_sample() -> None:
    # 4 % against 6 % on 1 000 each: the interval already excludes zero, but the plan for a
    # 20 % change of 4 % needs about 10 000 a group.
    found = results(_outcomes(_group("holdout", 1000, 40), _group("treated", 1000, 60)), SHARES)
    assert found.overall is not None
    assert found.overall.difference_interval.low > 0
    assert found.plan is not None
    assert found.plan.needed.control > 9000
    assert found.plan.progress < 0.15
    assert found.verdict is Verdict.COLLECTING


def test_after_the_planned_sample_the_verdict_follows_the_interval() -> None:
    better = results(
        _outcomes(_group("holdout", 20000, 800), _group("treated", 20000, 1000)), SHARES
    )
    same = results(_outcomes(_group("holdout", 20000, 800), _group("treated", 20000, 805)), SHARES)
    worse = results(_outcomes(_group("holdout", 20000, 800), _group("treated", 20000, 600)), SHARES)
    assert [r.verdict for r in (better, same, worse)] == [
        Verdict.BETTER, Verdict.NO_DIFFERENCE, Verdict.WORSE,
    ]  # fmt: skip
    assert better.plan is not None
    assert better.plan.progress == 1.0


def test_days_left_follow_the_shops_recent_flow() -> None:
    found = results(
        _outcomes(_group("holdout", 1000, 40), _group("treated", 1000, 44), recent=1400), SHARES
    )
    assert found.plan is not None
    # 100 newly eligible a day; what is still missing of the plan, at that pace.
    missing = found.plan.needed.eligible - 2000
    assert found.plan.days_left == -(-missing // 100)


def test_a_skewed_split_warns() -> None:
    fine = results(_outcomes(_group("holdout", 1000, 40), _group("treated", 1010, 44)), SHARES)
    skewed = results(_outcomes(_group("holdout", 800, 40), _group("treated", 1200, 44)), SHARES)
    assert fine.sample_ratio is not None
    assert not fine.sample_ratio.mismatch
    assert skewed.sample_ratio is not None
    assert skewed.sample_ratio.mismatch


def test_the_lift_is_the_per_member_difference_times_the_treated() -> None:
    found = results(_outcomes(_group("holdout", 200, 20), _group("treated", 200, 40)), SHARES)
    [sales, customers] = lifts(found, [(1, "Net sales", "net_sales"), (2, "NPS", "nps")])
    # Net sales per member: 5.00 held out, 10.00 treated; 200 treated: 1 000 added.
    assert sales.measure is Measure.NET_SALES
    assert abs(sales.added - 1000.0) < 1e-9
    assert sales.interval.covers(1000.0)
    assert sales.summary.startswith("added 1,000.00 in net sales to this key result (95 % CI")
    # A score has no per-group share: the customers who ordered, said as such.
    assert (customers.measure, customers.direct) == (Measure.CUSTOMERS, False)
    assert abs(customers.added - 20.0) < 1e-9


def test_without_a_holdout_variants_are_compared_but_there_is_no_lift() -> None:
    shares = {"a": 0.5, "b": 0.5}
    found = results(_outcomes(_group("a", 500, 20), _group("b", 500, 30)), shares)
    assert found.control == "a"
    assert [c.group for c in found.comparisons] == ["b"]
    assert lifts(found, [(1, "Net sales", "net_sales")]) == []


def test_measures_follow_the_key_results_metric() -> None:
    assert measure_for("net_sales") == (Measure.NET_SALES, True)
    assert measure_for("orders") == (Measure.ORDERS, True)
    assert measure_for("returning_customers") == (Measure.CUSTOMERS, True)
    assert measure_for("repeat_purchase_rate") == (Measure.CUSTOMERS, False)
    assert measure_for(None) == (Measure.CUSTOMERS, False)


def test_the_lift_interval_covers_a_simulated_truth_about_as_often_as_it_says() -> None:
    # 400 seeded experiments, 5 % vs 7 % on 3 000 each: the 95 % interval for the customers
    # added should cover the true 60 in about 95 % of them.
    rng = random.Random(19)
    covered = 0
    for _ in range(400):
        held = sum(rng.random() < 0.05 for _ in range(3000))
        treated = sum(rng.random() < 0.07 for _ in range(3000))
        found = results(
            _outcomes(_group("holdout", 3000, held), _group("treated", 3000, treated)), SHARES
        )
        [lift] = lifts(found, [(1, "Customers", "customers")])
        covered += lift.interval.covers(0.02 * 3000)
    assert 368 <= covered <= 392  # 95 % ± 3 standard errors
