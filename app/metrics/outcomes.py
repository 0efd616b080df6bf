"""What an initiative's outcome contributes to the outcome figures (pure): each outcome row is
dated by its shop-local day and adds one count, or its value, to one figure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.metrics.figures import ZERO, Additive, slot_of
from app.metrics.models import OutcomeKind


@dataclass(frozen=True)
class OutcomeFigures(Additive):
    """Kept in `initiative_outcome_rollups`, by the shop-local day of each outcome."""

    recovered_checkouts: int = 0
    recovered_revenue: Decimal = ZERO  # gross − discounts of the recovering orders
    reactivated: int = 0
    redemptions: int = 0


OutcomeRows = dict[tuple[date, int], OutcomeFigures]  # (day, slot)


def outcome_contribution(kind: OutcomeKind, subject: str, day: date, value: Decimal) -> OutcomeRows:
    """What one outcome row adds to the rollup (the recording and the rebuild both use it)."""
    if kind is OutcomeKind.RECOVERED_CHECKOUT:
        figures = OutcomeFigures(recovered_checkouts=1)
    elif kind is OutcomeKind.RECOVERED_ORDER:
        figures = OutcomeFigures(recovered_revenue=Decimal(value))
    elif kind is OutcomeKind.REACTIVATION:
        figures = OutcomeFigures(reactivated=1)
    else:
        figures = OutcomeFigures(redemptions=1)
    return {(day, slot_of(f"{kind.value}:{subject}")): figures}
