"""The initiative's lift on each linked key result: the treated against the holdout, per
member, scaled to the treated population — "added X to this key result (95 % CI …)".

What is added is counted in the key result's own unit where a group's share of it is
definable: net sales (money key results that add up: net or gross sales, recovered revenue),
orders, or customers who ordered (key results that count customers). A rate or a score (repeat
rate, NPS) cannot be split into what each group contributed; its lift is given as the
customers who ordered, and says so (`direct` false). Without a holdout there is no group that
received nothing, and no lift."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.initiatives.experiments.results import Comparison, Results
from app.initiatives.experiments.stats import Interval
from app.metrics.catalogue import BY_KEY, SUMMED, Unit


class Measure(StrEnum):
    NET_SALES = "net_sales"
    ORDERS = "orders"
    CUSTOMERS = "customers"  # who ordered within the window


@dataclass(frozen=True)
class KeyResultLift:
    key_result_id: int
    title: str
    measure: Measure
    direct: bool  # counted in the key result's own unit
    added: float
    interval: Interval
    summary: str  # in English, for the API; the admin says it in the merchant's language


def measure_for(metric_key: str | None) -> tuple[Measure, bool]:
    metric = BY_KEY.get(metric_key or "")
    if metric is None:
        return Measure.CUSTOMERS, False
    if metric.unit is Unit.MONEY and metric.key in SUMMED:
        return Measure.NET_SALES, True
    if metric.key == "orders":
        return Measure.ORDERS, True
    if metric.unit is Unit.COUNT:
        return Measure.CUSTOMERS, True
    return Measure.CUSTOMERS, False


def added(overall: Comparison, measure: Measure) -> tuple[float, Interval] | None:
    """What the treated added, in `measure`, with its 95 % interval."""
    n = overall.members
    if measure is Measure.CUSTOMERS:
        low, high = overall.difference_interval.low, overall.difference_interval.high
        return overall.difference * n, Interval(low * n, high * n)
    welch = overall.net_sales if measure is Measure.NET_SALES else overall.orders
    if welch is None:
        return None
    return welch.difference * n, Interval(welch.interval.low * n, welch.interval.high * n)


def lifts(results: Results, key_results: list[tuple[int, str, str | None]]) -> list[KeyResultLift]:
    """The lift on each (id, title, metric key) key result; none without a holdout."""
    overall = results.overall
    if not results.has_holdout or overall is None:
        return []
    found = []
    for key_result_id, title, metric_key in key_results:
        measure, direct = measure_for(metric_key)
        if (figure := added(overall, measure)) is None:
            continue
        value, interval = figure
        found.append(
            KeyResultLift(
                key_result_id, title, measure, direct, value, interval,
                _summary(measure, value, interval),
            )
        )  # fmt: skip
    return found


def _summary(measure: Measure, value: float, interval: Interval) -> str:
    unit = {Measure.NET_SALES: "in net sales", Measure.ORDERS: "orders"}.get(
        measure, "customers who ordered"
    )
    return (
        f"added {value:,.2f} {unit} to this key result "
        f"(95 % CI {interval.low:,.2f} to {interval.high:,.2f})"
    )
