"""OKR templates (ready-made objectives, not page templates): a good first OKR set in one call,
objectives of the three kinds with key results from the seeds' examples, their start values and
targets taken from the shop's own history (`baselines`: the period before the cycle when the
history covers it, else the last complete weeks scaled to the cycle), each target where today's
pace is expected to score 0.7 (`proposal`) when there is one, else the template's step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from app.okr.key_results import save_key_result
from app.okr.models import Cycle, KeyResult, Objective, ObjectiveKind, Source
from app.okr.scoring import KRType
from app.okr.service import save_objective
from app.okr.template_fill import KRTemplate, Suggestion, suggest_key_result
from app.text import Text


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
            KRTemplate(Text("Convert more checkouts into orders"), KRType.INCREASE_TO,
                       "checkout_conversion_rate", Decimal("1.2")),
            KRTemplate(Text("Raise the average order value"), KRType.INCREASE_TO, "aov",
                       Decimal("1.1")),
            KRTemplate(Text("Grow net sales"), KRType.INCREASE_TO, "net_sales",
                       Decimal("1.15")),
        ),
    ),
    OkrTemplate(
        "loyalty", ObjectiveKind.CUSTOMER_LOYALTY, Text("Customers come back and recommend us"),
        Text("Second orders, recovered carts and customers who would recommend the store."),
        (
            KRTemplate(Text("More first-time customers order again"), KRType.INCREASE_TO,
                       "repeat_purchase_rate", Decimal("1.2")),
            KRTemplate(Text("Recover more abandoned checkouts"), KRType.INCREASE_TO,
                       "abandoned_checkout_recovery_rate", Decimal("1.25")),
            # Our own surveys measure it: added even before their first answers.
            KRTemplate(Text("Keep NPS at 50 or above"), KRType.STAY_ABOVE, "nps",
                       target=Decimal(50),
                       waiting=Text("no survey answers in the last complete weeks yet: it is "
                                    "added with its bound and fills in as answers arrive")),
        ),
    ),
    OkrTemplate(
        "costs", ObjectiveKind.DECREASE_COSTS, Text("Run a leaner store"),
        Text("Fewer giveaways and returns, faster and more accurate fulfilment, a fast "
             "storefront."),
        (
            KRTemplate(Text("Give away less in discounts"), KRType.DECREASE_TO,
                       "discount_rate", Decimal("0.8")),
            KRTemplate(Text("Fewer orders refunded"), KRType.DECREASE_TO, "refund_rate",
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


async def suggest(
    session: AsyncSession, shop_id: int, cycle: Cycle, template: OkrTemplate, today: date
) -> list[Suggestion]:
    """Each key result with its start, target and the chance of reaching it at today's pace."""
    return [
        await suggest_key_result(session, shop_id, cycle, kr, today) for kr in template.key_results
    ]


async def apply(
    session: AsyncSession,
    shop_id: int,
    cycle: Cycle,
    template: OkrTemplate,
    today: date,
    words: Callable[[str], str] = str,
) -> Objective | None:
    """Create the template's objective with the key results the shop's history can fill (and
    its bounds still waiting for their first values), its titles in `words` (the admin passes
    the page's language; the API keeps English). None, and nothing created, when the history
    fills none of them: an objective whose key results all wait measures nothing yet."""
    suggestions = await suggest(session, shop_id, cycle, template, today)
    filled = [(kr, s) for kr, s in zip(template.key_results, suggestions, strict=True)
              if not s.missing]  # fmt: skip
    if all(s.pending for _, s in filled):
        return None
    objective = Objective(
        shop_id=shop_id,
        cycle_id=cycle.id or 0,
        title=words(template.title),
        description=words(template.description),
        kind=template.kind,
    )
    await save_objective(session, shop_id, objective, {})
    for position, (kr, suggestion) in enumerate(filled):
        key_result = KeyResult(
            shop_id=shop_id,
            objective_id=objective.id or 0,
            title=words(kr.title),
            source=Source.METRIC,
            metric_key=kr.metric_key,
            kr_type=kr.kr_type,
            start_value=suggestion.start,
            start_is_auto=suggestion.start is not None,
            start_basis=suggestion.basis,
            target=suggestion.target,
            unit=kr.unit,
            position=position,
        )
        await save_key_result(session, shop_id, key_result, {}, today)
    return objective
