"""The initiative form, read and checked in the page's language: every wrong field named next
to it, nothing half-accepted. What passes is handed to the initiatives service, which checks it
again exactly as it checks the JSON API."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from starlette.datastructures import FormData

from app.admin import formats
from app.admin.editor.forms import FormRefused, read_row_id, refused
from app.admin.formats import read_number, read_whole
from app.admin.i18n import gettext as _
from app.admin.initiatives.win_back_form import read_win_back, service_errors, win_back_values
from app.errors import Unprocessable
from app.initiatives.models import Initiative, InitiativeType
from app.initiatives.settings import (
    MAX_DELAY_MINUTES,
    MAX_STEPS,
    MIN_DELAY_MINUTES,
    Language,
    WooCommerceConsent,
    recovery_settings,
)

STEP_FIELDS = tuple(f"step_{n}" for n in range(1, MAX_STEPS + 1))
MIN_HOURS = Decimal(MIN_DELAY_MINUTES) / 60
MAX_HOURS = Decimal(MAX_DELAY_MINUTES) / 60
MIN_ATTRIBUTION_DAYS, MAX_ATTRIBUTION_DAYS = 1, 60
MAX_NAME = 120
LANGUAGE_NAMES = {"en": "English", "es": "Español", "de": "Deutsch"}  # each in its own tongue


@dataclass(frozen=True)
class InitiativeForm:
    """What the merchant chose: the initiative's name, key results and (by its type) settings."""

    name: str
    key_result_ids: list[int]
    settings: dict[str, Any]


def read_form(
    form: FormData,
    kind: InitiativeType,
    offered_key_results: Collection[int],
    stored: dict[str, Any] | None = None,
) -> InitiativeForm:
    """The merchant's choices, or FormRefused naming each wrong field. Key results must be
    among those the page offered (the shop's own); settings a page does not show (WooCommerce's
    consent rule on a Shopify shop) keep their stored value."""
    errors: dict[str, str] = {}
    name = _text(form, "name")
    if not name:
        errors["name"] = _("Give the initiative a name.")
    elif len(name) > MAX_NAME:
        errors["name"] = _("Use at most %(count)d characters.") % {"count": MAX_NAME}
    key_result_ids = _key_results(form, offered_key_results, errors)
    settings: dict[str, Any] = {}
    if kind is InitiativeType.ABANDONED_CHECKOUT:
        settings = _recovery_settings(form, stored or {}, errors)
    elif kind is InitiativeType.WIN_BACK:
        settings = read_win_back(form, stored or {}, errors)
    if errors:
        raise FormRefused(errors)
    return InitiativeForm(name, key_result_ids, settings)


def service_refusal(error: Unprocessable, kind: InitiativeType) -> FormRefused:
    """The service's 422 as form errors: a win-back's under the form's own fields, in the
    page's language."""
    fields = error.details.get("fields")
    if kind is InitiativeType.WIN_BACK and isinstance(fields, dict) and fields:
        return FormRefused(service_errors(fields), error.status_code)
    return refused(error)


def typed_values(form: FormData) -> dict[str, str]:
    """The form as typed, shown again next to its errors (escaped by the template)."""
    return {
        name: value
        for name, value in form.items()
        if isinstance(value, str) and name != "key_result_ids"
    }


def saved_values(
    initiative: Initiative | None, kind: InitiativeType = InitiativeType.ABANDONED_CHECKOUT
) -> dict[str, str]:
    """The form's fields as an initiative holds them (a new one: the type's defaults)."""
    if initiative is not None:
        kind = initiative.type
    name = {"name": initiative.name if initiative else ""}
    stored = initiative.settings if initiative else {}
    if kind is InitiativeType.WIN_BACK:
        return name | win_back_values(stored)
    if kind is not InitiativeType.ABANDONED_CHECKOUT:
        return name
    settings = recovery_settings(stored)
    values = {
        **name,
        "attribution_days": str(settings.attribution_days),
        "language": settings.language.value,
        "woocommerce_consent": settings.woocommerce_consent.value,
    }
    for field, step in zip(STEP_FIELDS, [*settings.steps, None, None], strict=False):
        values[field] = formats.editable(Decimal(step.delay_minutes) / 60) if step else ""
    return values


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _key_results(form: FormData, offered: Collection[int], errors: dict[str, str]) -> list[int]:
    chosen = [read_row_id(value) for value in form.getlist("key_result_ids")]
    if any(kr is None or kr not in offered for kr in chosen):
        errors["key_result_ids"] = _("Choose key results from the list.")
        return []
    return list(dict.fromkeys(kr for kr in chosen if kr is not None))


def _recovery_settings(
    form: FormData, stored: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    kept = recovery_settings(stored)
    steps = _steps(form, errors)
    days = read_whole(_text(form, "attribution_days"))
    if days is None or not MIN_ATTRIBUTION_DAYS <= days <= MAX_ATTRIBUTION_DAYS:
        errors["attribution_days"] = _("Choose a whole number from %(low)d to %(high)d.") % {
            "low": MIN_ATTRIBUTION_DAYS,
            "high": MAX_ATTRIBUTION_DAYS,
        }
    language = _text(form, "language")
    if language not in {choice.value for choice in Language}:
        errors["language"] = _("Choose English, Spanish or German.")
    consent = _text(form, "woocommerce_consent") or kept.woocommerce_consent.value
    if consent not in {choice.value for choice in WooCommerceConsent}:
        errors["woocommerce_consent"] = _("Choose one of the rules in the list.")
    return {
        "steps": [{"delay_minutes": minutes} for minutes in steps],
        "attribution_days": days,
        "language": language,
        "woocommerce_consent": consent,
    }


def _steps(form: FormData, errors: dict[str, str]) -> list[int]:
    """Each step's delay in minutes, from hours typed in the page's locale ("1,5")."""
    minutes: list[int] = []
    gap = False
    for number, field in enumerate(STEP_FIELDS, start=1):
        typed = _text(form, field)
        if not typed:
            gap = True
            if number == 1:
                errors[field] = _("The first e-mail needs a delay.")
            continue
        hours = read_number(typed)
        if hours is None or not MIN_HOURS <= hours <= MAX_HOURS:
            errors[field] = _("Enter a number of hours from %(low)s to %(high)s.") % {
                "low": formats.editable(MIN_HOURS),
                "high": formats.editable(MAX_HOURS),
            }
            continue
        if gap:
            errors[field] = _("Fill in the e-mail before this one first.")
            continue
        delay = round(hours * 60)
        if minutes and delay <= minutes[-1]:
            errors[field] = _("Each e-mail comes later than the one before it.")
            continue
        minutes.append(delay)
    return minutes
