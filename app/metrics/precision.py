"""How finely a metric's value is given to people: one table, so the same value reads the same
on the dashboard, a key result's page, a share link, the digest and the CSV export (#22:
"15 %" on one page and "15.1 %" on another, and CSV cells with 28 decimals)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from app.metrics.catalogue import BY_KEY, Unit

# Decimal places of the stored value. A rate is a ratio (0.151 is 15.1 %): three places of it
# are a tenth of a percent.
PLACES = {
    Unit.MONEY: 2,
    Unit.PERCENT: 3,
    Unit.COUNT: 0,
    Unit.SCORE: 1,
    Unit.DURATION: 1,
}
# A manual key result's unit is the merchant's own: two places are enough for "2.75 s" and
# "1.5 campaigns", and a whole number stays whole.
MANUAL_PLACES = 2
ROOM = 80  # digits: more than any stored value has


def places_of(metric_key: str | None) -> int:
    """The places a key result's values are given with: its metric's unit's, or a manual
    key result's."""
    metric = BY_KEY.get(metric_key or "")
    return PLACES[metric.unit] if metric else MANUAL_PLACES


def rounded(value: Decimal, places: int) -> Decimal:
    """The value as it is given to people, to `places` decimal places (banker's rounding, as
    Babel rounds on the page)."""
    with localcontext() as context:
        context.prec = ROOM  # a large total keeps every whole digit, and its places
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
