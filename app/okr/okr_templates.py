"""OKR templates (ready-made objectives, not page templates): a good first OKR set in one call,
objectives of the three kinds with key results from the seeds' examples, their start values and
targets taken from the shop's own history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from app.metrics.service import MAX_RANGE_DAYS
from app.okr.evaluation import Span, before_span, metric_value
from app.okr.key_results import save_key_result
from app.okr.models import Cycle, KeyResult, Objective, ObjectiveKind, Source
from app.okr.scoring import KRType
from app.okr.service import save_objective
from app.text import Text


@dataclass(frozen=True)
class KRTemplate:
    title: str
    kr_type: KRType
    metric_key: str | None = None
    factor: Decimal | None = None  # target = the shop's start value × factor
    target: Decimal | None = None  # a fixed bound (manual key results)
    unit: str = ""


@dataclass(frozen=True)
class OkrTemplate:
    id: str
    kind: ObjectiveKind
    title: str
    description: str
    key_results: tuple[KRTemplate, ...]


OKR_TEMPLATES = (
    OkrTemplate(
        "revenue", ObjectiveKind.INCREASE_REVENUE, Text("Grow revenue from the traffic we have"),
        Text("Convert more checkouts and raise the order value with bundles, upsells and "
             "order bumps."),
        (
            KRTemplate(Text("Raise checkout conversion by a fifth"), KRType.INCREASE_TO,
                       "checkout_conversion_rate", Decimal("1.2")),
            KRTemplate(Text("Raise average order value by 10 %"), KRType.INCREASE_TO, "aov",
                       Decimal("1.1")),
            KRTemplate(Text("Grow net sales by 15 %"), KRType.INCREASE_TO, "net_sales",
                       Decimal("1.15")),
        ),
    ),
    OkrTemplate(
        "loyalty", ObjectiveKind.CUSTOMER_LOYALTY, Text("Customers come back and recommend us"),
        Text("Second orders, recovered carts and customers who would recommend the store."),
        (
            KRTemplate(Text("Raise the repeat purchase rate by a fifth"), KRType.INCREASE_TO,
                       "repeat_purchase_rate", Decimal("1.2")),
            KRTemplate(Text("Recover a quarter more abandoned checkouts"), KRType.INCREASE_TO,
                       "abandoned_checkout_recovery_rate", Decimal("1.25")),
            KRTemplate(Text("Keep NPS at 50 or above"), KRType.STAY_ABOVE, target=Decimal(50)),
        ),
    ),
    OkrTemplate(
        "costs", ObjectiveKind.DECREASE_COSTS, Text("Run a leaner store"),
        Text("Fewer giveaways and returns, faster and more accurate fulfilment, a fast "
             "storefront."),
        (
            KRTemplate(Text("Cut the discount rate by a fifth"), KRType.DECREASE_TO,
                       "discount_rate", Decimal("0.8")),
            KRTemplate(Text("Cut the refund rate by a fifth"), KRType.DECREASE_TO, "refund_rate",
                       Decimal("0.8")),
            KRTemplate(Text("Packing time per order at most 5 minutes"), KRType.STAY_BELOW,
                       target=Decimal(5), unit="min"),
            KRTemplate(Text("Fulfilment errors on at most one order in a hundred"),
                       KRType.STAY_BELOW, target=Decimal("0.01"), unit="ratio"),
            KRTemplate(Text("Mobile page load (LCP) at most 2.5 s"), KRType.STAY_BELOW,
                       target=Decimal("2.5"), unit="s"),
        ),
    ),
)  # fmt: skip
BY_ID = {template.id: template for template in OKR_TEMPLATES}


@dataclass(frozen=True)
class Suggestion:
    template: KRTemplate
    start: Decimal | None
    target: Decimal | None
    missing: str | None  # why it cannot be filled in from this shop (None when it can)


async def suggest(
    session: AsyncSession, shop_id: int, cycle: Cycle, template: OkrTemplate
) -> list[Suggestion]:
    """Each key result with its start (the period before the cycle) and target."""
    suggestions = []
    history = history_span(cycle)
    for kr in template.key_results:
        if kr.metric_key is None:
            suggestions.append(Suggestion(kr, None, kr.target, None))
            continue
        if history is None:
            reason = f"the period before {cycle.name} is beyond what metrics cover: no start"
            suggestions.append(Suggestion(kr, None, None, reason))
            continue
        start, _ = await metric_value(session, shop_id, kr.metric_key, history)
        if not start:
            reason = f"no {kr.metric_key} history before {cycle.start} to start from yet"
            suggestions.append(Suggestion(kr, start, None, reason))
            continue
        assert kr.factor is not None
        suggestions.append(Suggestion(kr, start, _round(start * kr.factor), None))
    return suggestions


def history_span(cycle: Cycle) -> Span | None:
    """The equally long period before the cycle, if the metrics can answer for it: a cycle
    stored before cycles were bounded may be longer than any metric range, or start so early
    that nothing comes before it."""
    if (cycle.end - cycle.start).days >= MAX_RANGE_DAYS:
        return None
    try:
        return before_span(cycle.start, cycle.end)
    except OverflowError:
        return None


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.0001")) if abs(value) < 1 else value.quantize(Decimal("0.01"))


async def apply(
    session: AsyncSession,
    shop_id: int,
    cycle: Cycle,
    template: OkrTemplate,
    today: date,
    words: Callable[[str], str] = str,
) -> Objective:
    """Create the template's objective with the key results the shop's history can fill, its
    titles in `words` (the admin passes the page's language; the API keeps English)."""
    objective = Objective(
        shop_id=shop_id,
        cycle_id=cycle.id or 0,
        title=words(template.title),
        description=words(template.description),
        kind=template.kind,
    )
    await save_objective(session, shop_id, objective, {})
    for position, suggestion in enumerate(await suggest(session, shop_id, cycle, template)):
        if suggestion.missing:
            continue
        kr = suggestion.template
        key_result = KeyResult(
            shop_id=shop_id,
            objective_id=objective.id or 0,
            title=words(kr.title),
            source=Source.METRIC if kr.metric_key else Source.MANUAL,
            metric_key=kr.metric_key,
            kr_type=kr.kr_type,
            start_value=suggestion.start,
            start_is_auto=kr.metric_key is not None,
            target=suggestion.target,
            unit=kr.unit,
            position=position,
        )
        await save_key_result(session, shop_id, key_result, {}, today)
    return objective
