"""What a checkout contributes to the checkout figures (METRICS.md "Checkouts"): every figure is
dated by the checkout's creation day, so a range's rates compare like with like."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.commerce.changes import CheckoutFacts
from app.metrics.figures import ZERO, Additive, local_day


@dataclass(frozen=True)
class CheckoutFigures(Additive):
    started: int = 0  # with contact details (only those can be recovered)
    completed: int = 0
    abandoned: int = 0
    recovered: int = 0
    recovered_sales: Decimal = ZERO  # gross − discounts of the recovering orders


CheckoutContribution = dict[date, CheckoutFigures]


def checkout_contribution(checkout: CheckoutFacts | None, timezone: str) -> CheckoutContribution:
    if checkout is None or not checkout.contact_given:
        return {}
    figures = CheckoutFigures(
        started=1,
        completed=int(checkout.completed),
        abandoned=int(checkout.abandoned),
        recovered=int(checkout.recovered),
        recovered_sales=(checkout.order_value or ZERO) if checkout.recovered else ZERO,
    )
    return {local_day(checkout.started_at, timezone): figures}
