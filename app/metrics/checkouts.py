"""What a checkout contributes to the checkout figures (METRICS.md "Checkouts"): every figure is
dated by the checkout's creation day, so a range's rates compare like with like."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from app.commerce.models import Checkout
from app.metrics.figures import ZERO, Additive, local_day


@dataclass(frozen=True)
class CheckoutFigures(Additive):
    started: int = 0  # with contact details (only those can be recovered)
    completed: int = 0
    abandoned: int = 0
    recovered: int = 0
    recovered_sales: Decimal = ZERO  # gross − discounts of the recovering orders


CheckoutContribution = dict[date, CheckoutFigures]


@dataclass(frozen=True)
class CheckoutFacts:
    started_at: datetime
    contact_given: bool
    completed: bool
    abandoned: bool
    recovered: bool
    order_value: Decimal | None


def facts_of_checkout(checkout: Checkout | None) -> CheckoutFacts | None:
    if checkout is None:
        return None
    return CheckoutFacts(
        started_at=checkout.started_at,
        contact_given=checkout.contact_given_at is not None,
        completed=checkout.completed_at is not None,
        abandoned=checkout.abandoned_at is not None,
        recovered=checkout.abandoned_at is not None and checkout.recovered_at is not None,
        order_value=checkout.order_value,
    )


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
