"""How the admin writes a key result's numbers: money with its currency, counts whole, ratios
as percentages, manual key results with their own unit. (Locale-aware formats come with the
admin's languages.)"""

from __future__ import annotations

from decimal import Decimal

from app.metrics.catalogue import BY_KEY, Unit
from app.okr.models import KeyResult, Source

NOTHING = "—"


def kr_number(value: Decimal | None, kr: KeyResult, currency: str) -> str:
    if value is None:
        return NOTHING
    if kr.source is not Source.METRIC or kr.metric_key not in BY_KEY:
        return f"{value:,.2f} {kr.unit}".strip()
    match BY_KEY[kr.metric_key].unit:
        case Unit.MONEY:
            return f"{value:,.2f} {currency}"
        case Unit.PERCENT:
            return f"{value * 100:,.1f} %"
        case Unit.COUNT:
            return f"{value:,.0f}"
        case Unit.DURATION:
            return f"{value:,.1f} h"
        case _:
            return f"{value:,.1f}"
