"""How the admin writes numbers, money and days in the page's locale (Babel's CLDR data):
money with its currency, counts whole, ratios as percentages, manual key results with their
own unit."""

from __future__ import annotations

from copy import copy
from datetime import date, datetime
from decimal import Decimal, localcontext
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import (
    NumberFormatError,
    format_currency,
    format_decimal,
    format_percent,
    parse_decimal,
)

from app.admin import i18n
from app.metrics.catalogue import BY_KEY, Unit
from app.metrics.precision import MANUAL_PLACES, PLACES, rounded
from app.okr.models import KeyResult, Source

NOTHING = "—"
RATE_PLACES = PLACES[Unit.PERCENT] - 2  # of the percentage: a ratio's places less the two of ×100
EDITABLE_PRECISION = 80  # digits: more than any number a form field can be given back


def kr_number(value: Decimal | None, kr: KeyResult, currency: str) -> str:
    if value is None:
        return NOTHING
    if kr.source is not Source.METRIC or kr.metric_key not in BY_KEY:
        # A manual unit counts things as often as it measures them: "1 campaign", not "1.00".
        shown = rounded(value, MANUAL_PLACES)
        places = 0 if shown == shown.to_integral_value() else MANUAL_PLACES
        return f"{number(shown, places)} {kr.unit}".strip()
    return metric_number(value, BY_KEY[kr.metric_key].unit, currency)


def metric_number(value: Decimal | None, unit: Unit, currency: str) -> str:
    if value is None:
        return NOTHING
    # Every unit's places come from `app.metrics.precision`, which the CSV export rounds by.
    match unit:
        case Unit.MONEY:
            return money(value, currency)
        case Unit.PERCENT:
            return rate(value)
        case Unit.DURATION:
            return f"{number(value, PLACES[unit])} h"
        case _:
            return number(value, PLACES[unit])


def rate(ratio: Decimal) -> str:
    """A metric's rate to a tenth of a percent, a whole one without its ".0" ("15.1%", "20 %"):
    the same value reads the same on every page and matches the export, and a target typed as
    `20` reads back as "20 %" (#22); `percent` is for shares people chose."""
    pattern = copy(Locale.parse(i18n.current()).percent_formats[None])
    pattern.frac_prec = (0, RATE_PLACES)
    with localcontext() as context:
        context.prec = EDITABLE_PRECISION  # Babel rounds in the context: room for any value
        written: str = pattern.apply(rounded(ratio, PLACES[Unit.PERCENT]), i18n.current())
        return written


def percent(ratio: Decimal) -> str:
    """A share as a percentage with at most one decimal, in the locale's own pattern ("10%",
    "25,3 %"): a holdout, a threshold. A metric's value is a `rate`."""
    rounded = round(ratio, 3).normalize()
    return format_percent(rounded, locale=i18n.current(), decimal_quantization=False)


def chance(probability: float) -> str:
    """A forecast's probability as a whole percentage ("27 %"): finer would claim a precision
    a normal approximation does not have."""
    return format_percent(round(Decimal(str(probability)), 2), locale=i18n.current())


def money(value: Decimal | None, currency: str) -> str:
    if value is None:
        return NOTHING
    return format_currency(value, currency, locale=i18n.current())


def number(value: Decimal | float | None, places: int = 2) -> str:
    if value is None:
        return NOTHING
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(value, pattern, locale=i18n.current())


def score(value: float | None) -> str:
    """Scores on the 0–1 scale, two places, in the locale's decimal sign."""
    return number(value, 2)


def day(value: date | None, form: str = "medium") -> str:
    if value is None:
        return NOTHING
    return format_date(value, form, locale=i18n.current())


def moment(value: datetime | None, timezone: str, form: str = "medium") -> str:
    """A point in time as the shop's clock showed it (its IANA time zone), in the page's
    locale: "Nov 30, 2026, 9:15:02 AM"."""
    if value is None:
        return NOTHING
    return format_datetime(value, form, tzinfo=ZoneInfo(timezone), locale=i18n.current())


def editable(value: Decimal | float | None) -> str:
    """A number as a form field shows it to be changed: the locale's decimal sign, no
    grouping, every stored digit kept ("1500,5" in German)."""
    if value is None:
        return ""
    # Babel rounds in the current decimal context (28 digits): a larger value stored before
    # inputs were bounded would raise here and take the whole editor page down with it.
    with localcontext() as context:
        context.prec = EDITABLE_PRECISION
        return format_decimal(value, "0.######", locale=i18n.current())


def read_number(typed: str) -> Decimal | None:
    """A number typed in the page's locale ("1.234,5" in German, "1,234.5" in English); None
    when it is not one. Strict: "1.5" on a German page is refused, not read as fifteen."""
    try:
        value = parse_decimal(typed.strip(), locale=i18n.current(), strict=True)
    except NumberFormatError:
        return None
    return value if value.is_finite() else None


def read_whole(typed: object) -> int | None:
    """A whole number typed into a form (ASCII digits only: "²" is a digit to Python, not to
    `int`); None when it is not one."""
    if not isinstance(typed, str):
        return None
    text = typed.strip()
    return int(text) if text.isascii() and text.isdigit() else None
