"""The win-back settings form, read in the page's language: every wrong field named next to
it (a cross-field rule under the field the merchant should change), nothing half-accepted.
The service checks again (`app.initiatives.settings.WinBackSettings`); its refusal is put back
under the same fields (`service_errors`).

The bounds are the schema's own, read from it, so the form and the service cannot disagree on
a range."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from starlette.datastructures import FormData

from app.admin import formats
from app.admin.editor.forms import FORM_ERROR
from app.admin.formats import read_number, read_whole
from app.admin.i18n import gettext as _
from app.initiatives.settings import (
    Language,
    WinBackSettings,
    WooCommerceConsent,
    win_back_settings,
)
from app.integrations.base import DiscountKind

RHYTHM, FIXED = "rhythm", "fixed"  # the two lapse rules: the shop's own rhythm, or fixed days
WHOLE_FIELDS = (
    "lapse_percentile",
    "lapse_days",
    "max_lapse_days",
    "cooldown_days",
    "code_expiry_days",
    "reminder_after_hours",
    "send_hour",
)
HOURS = [(str(hour), f"{hour:02d}:00") for hour in range(24)]  # the send hour's choices
FIELDS = (*WHOLE_FIELDS, "lapse_rule", "discount_kind", "discount_value", "steps", "language")


@cache
def bounds(field: str) -> tuple[Decimal, Decimal]:
    """The schema's (low, high) for a number field (a strict lower bound as its own value)."""
    described = WinBackSettings.model_json_schema()["properties"][field]
    for part in described.get("anyOf", [described]):  # an optional number: its number part
        if "maximum" in part:
            low = part.get("minimum", part.get("exclusiveMinimum"))
            return Decimal(str(low)), Decimal(str(part["maximum"]))
    raise KeyError(f"{field} has no bounds")


def whole_range_error(field: str) -> str:
    low, high = bounds(field)
    return _("Choose a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}


def read_win_back(form: FormData, stored: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """The win-back settings the form says, as the service takes them; `errors` filled in by
    field. WooCommerce's consent rule keeps its stored value where the page does not show it."""
    kept = win_back_settings(stored)
    whole = {field: _whole(form, field, errors) for field in WHOLE_FIELDS}
    rule = _text(form, "lapse_rule")
    if rule not in (RHYTHM, FIXED):
        errors["lapse_rule"] = _("Choose how a customer counts as lapsed.")
    if rule != FIXED:  # the shop's rhythm: the fixed days are not read (nor checked)
        errors.pop("lapse_days", None)
        whole["lapse_days"] = None
    else:
        errors.pop("lapse_percentile", None)
        whole["lapse_percentile"] = kept.lapse_percentile
    kind = _text(form, "discount_kind")
    if kind not in {choice.value for choice in DiscountKind}:
        errors["discount_kind"] = _("Choose a percentage or an amount.")
    value = _discount(form, kind, errors)
    steps = read_whole(_text(form, "steps"))
    if steps not in (1, 2):
        errors["steps"] = _("Choose one e-mail, or one e-mail and a reminder.")
    if steps != 2:
        errors.pop("reminder_after_hours", None)
        whole["reminder_after_hours"] = kept.reminder_after_hours
    language = _text(form, "language")
    if language not in {choice.value for choice in Language}:
        errors["language"] = _("Choose English, Spanish or German.")
    consent = _text(form, "woocommerce_consent") or kept.woocommerce_consent.value
    if consent not in {choice.value for choice in WooCommerceConsent}:
        errors["woocommerce_consent"] = _("Choose one of the rules in the list.")
    settings = {
        **whole,
        "discount_kind": kind,
        "discount_value": str(value) if value is not None else None,
        "steps": steps,
        "language": language,
        "woocommerce_consent": consent,
    }
    _coherent(settings, errors)
    return settings


def _coherent(settings: dict[str, Any], errors: dict[str, str]) -> None:
    """The rules between fields, each said under the field to change."""
    lapse, longest = settings["lapse_days"], settings["max_lapse_days"]
    if lapse is not None and longest is not None and lapse >= longest:
        errors.setdefault(
            "lapse_days", _("Choose fewer days than the longest lapse written to below.")
        )
    expiry, reminder = settings["code_expiry_days"], settings["reminder_after_hours"]
    if settings["steps"] == 2 and expiry is not None and reminder is not None:
        if reminder >= expiry * 24:
            errors.setdefault(
                "reminder_after_hours",
                _("The reminder must go out before the code expires (%(hours)d hours).")
                % {"hours": expiry * 24},
            )


def _discount(form: FormData, kind: str, errors: dict[str, str]) -> Decimal | None:
    typed = _text(form, "discount_value")
    value = read_number(typed) if typed else None
    low, high = bounds("discount_value")
    if kind == DiscountKind.PERCENTAGE.value:
        high = Decimal(100)
    if value is None or not low < value <= high or value != round(value, 2):
        errors["discount_value"] = _(
            "Enter a number above %(low)s and up to %(high)s, with at most two decimals."
        ) % {"low": formats.editable(low), "high": formats.editable(high)}
        return None
    return value


def _whole(form: FormData, field: str, errors: dict[str, str]) -> int | None:
    value = read_whole(_text(form, field))
    low, high = bounds(field)
    if value is None or not low <= value <= high:
        errors[field] = whole_range_error(field)
        return None
    return value


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def win_back_values(stored: dict[str, Any] | None) -> dict[str, str]:
    """The form's fields as the settings hold them (none: the defaults)."""
    settings = win_back_settings(stored or {})
    values = {field: str(getattr(settings, field) or "") for field in WHOLE_FIELDS}
    values["lapse_percentile"] = str(settings.lapse_percentile)
    values.update(
        lapse_rule=FIXED if settings.lapse_days is not None else RHYTHM,
        discount_kind=settings.discount_kind.value,
        discount_value=formats.editable(settings.discount_value),
        steps=str(settings.steps),
        language=settings.language.value,
        woocommerce_consent=settings.woocommerce_consent.value,
    )
    return values


def service_errors(fields: dict[str, Any]) -> dict[str, str]:
    """The service's 422 fields put under the form's fields, each in the page's language (its
    own sentences are for the JSON API): a field's range, or the whole form's."""
    errors: dict[str, str] = {}
    for name in fields:
        field = str(name).removeprefix("settings.").split(".")[0]
        if field in WHOLE_FIELDS:
            errors[field] = whole_range_error(field)
        elif field in FIELDS:
            errors[field] = _("Check this value: it is not one the shop can use.")
        else:
            errors[FORM_ERROR] = _(
                "These settings do not fit together: check the discount, the longest lapse "
                "and when the reminder goes out."
            )
    return errors
