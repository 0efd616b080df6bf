"""A key result's start, target and stretch as the merchant types and reads them, in the
metric's own terms: a rate as a percentage ("20", "20 %", "20,5 %" in German: stored 0.205),
money in the shop's currency, a count whole. Stored values stay what the metrics compute
(a rate is a ratio), so the API and the scores are unchanged."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from app.admin import formats
from app.admin.i18n import gettext as _
from app.metrics.catalogue import BY_KEY, Unit
from app.okr.models import KeyResult, Source

AMOUNTS = ("start_value", "target", "stretch_target")
HUNDRED = Decimal(100)
# What may stand around a percentage: its sign and the spaces locales put before it
# (no-break and narrow no-break spaces, as Babel writes "20 %" in German and Spanish).
_PERCENT_DECORATION = "% \u00a0\u202f"


class Unreadable(ValueError):
    """A typed amount that is not one; the message is the sentence shown beside the field."""


Reader = Callable[[str], Decimal]


def unit_of(metric_key: str | None) -> Unit | None:
    """The unit the amounts are typed in: the metric's; None for a manual key result."""
    metric = BY_KEY.get(metric_key or "")
    return None if metric is None else metric.unit


def unit_of_key_result(kr: KeyResult | None) -> Unit | None:
    if kr is None or kr.source is not Source.METRIC:
        return None
    return unit_of(kr.metric_key)


def reader(unit: Unit | None) -> Reader:
    """How an amount in `unit` is read from what was typed (in the page's locale)."""
    match unit:
        case Unit.PERCENT:
            return _read_percent
        case Unit.COUNT:
            return _read_whole
    return _read_plain


def readers(unit: Unit | None) -> dict[str, Reader]:
    return dict.fromkeys(AMOUNTS, reader(unit))


def editable_amount(value: Decimal | None, unit: Unit | None) -> str:
    """The stored amount as its field shows it to be changed (a rate as a percentage)."""
    if value is None:
        return ""
    return formats.editable(value * HUNDRED if unit is Unit.PERCENT else value)


def suffix(unit: Unit | None, currency: str) -> str:
    """What the field's number is in, written after it ("%", "EUR"); empty for plain numbers."""
    if unit is Unit.PERCENT:
        return "%"
    return currency if unit is Unit.MONEY else ""


def how_to_type(unit: Unit | None, currency: str) -> str:
    """One sentence on how the chosen metric's amounts are typed."""
    match unit:
        case Unit.PERCENT:
            return _("Type start and targets as percentages: 20 means 20 %.")
        case Unit.MONEY:
            return _("Type start and targets in %(currency)s.") % {"currency": currency}
        case Unit.COUNT:
            return _("Type start and targets as whole numbers.")
    return ""


def _read_plain(typed: str) -> Decimal:
    value = formats.read_number(typed)
    if value is None:
        example = formats.number(Decimal("1234.5"), 1)
        raise Unreadable(_("Enter a number, for example %(example)s.") % {"example": example})
    return value


def _read_percent(typed: str) -> Decimal:
    number = formats.read_number(typed.strip(_PERCENT_DECORATION))
    if number is None:
        example = formats.editable(Decimal("20.5"))
        raise Unreadable(
            _("Enter a percentage, for example %(example)s %%.") % {"example": example}
        )
    return number / HUNDRED


def _read_whole(typed: str) -> Decimal:
    value = _read_plain(typed)
    if value != value.to_integral_value():
        raise Unreadable(_("Enter a whole number: this metric counts."))
    return value
