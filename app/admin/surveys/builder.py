"""The survey builder's form: up to six question slots (kind, the question in English, Spanish
and German, and a single-choice question's choices, one a line as "English | Español |
Deutsch"), the trigger, the days after the order, the cooldown, the language, the widget's
extra hosts. Read into the survey's settings and handed to the initiatives service, which
checks them as it checks the JSON API; what it refuses comes back next to the field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData

from app.admin.i18n import gettext as _
from app.admin.initiatives.forms import MAX_NAME
from app.initiatives.audience import Language, WooCommerceConsent
from app.initiatives.surveys.settings import MAX_QUESTIONS, QuestionKind, Trigger, survey_settings

SLOTS = range(1, MAX_QUESTIONS + 1)
# The Initiatives section's words for the same choice (one message to translate).
EVERY_CUSTOMER = (
    "Every customer with an e-mail address (the shop has another basis to write to them)"
)
LANGUAGES = tuple(language.value for language in Language)


@dataclass(frozen=True)
class SurveyForm:
    name: str
    settings: dict[str, Any]


def read_builder(
    form: FormData, stored: dict[str, Any] | None
) -> tuple[SurveyForm, dict[str, str]]:
    """The survey as the merchant built it, and the fields that are wrong (question texts and
    choices are checked here; numbers and the rest by the service's schema)."""
    errors: dict[str, str] = {}
    name = _text(form, "name")
    if not name:
        errors["name"] = _("Give the survey a name.")
    elif len(name) > MAX_NAME:
        errors["name"] = _("Use at most %(count)d characters.") % {"count": MAX_NAME}
    questions = [q for slot in SLOTS if (q := _question(form, slot, errors)) is not None]
    if not questions:
        errors["q1_kind"] = _("Ask at least one question.")
    kept = survey_settings(stored or {})
    settings = {
        "questions": questions,
        "trigger": _text(form, "trigger"),
        "days_after": _text(form, "days_after"),
        "cooldown_days": _text(form, "cooldown_days"),
        "language": _text(form, "language"),
        "woocommerce_consent": _text(form, "woocommerce_consent") or kept.woocommerce_consent,
        "widget_hosts": [h for h in _text(form, "widget_hosts").split() if h],
    }
    return SurveyForm(name, settings), errors


def _question(form: FormData, slot: int, errors: dict[str, str]) -> dict[str, Any] | None:
    kind = _text(form, f"q{slot}_kind")
    if not kind:
        return None
    if kind not in {k.value for k in QuestionKind}:
        errors[f"q{slot}_kind"] = _("Choose a kind of question from the list.")
        return None
    text = {language: _text(form, f"q{slot}_{language}") for language in LANGUAGES}
    for language, written in text.items():
        if not written:
            errors[f"q{slot}_{language}"] = _("Write the question in every language.")
    question: dict[str, Any] = {
        "id": _text(form, f"q{slot}_id") or f"q{slot}",
        "kind": kind,
        "text": text,
    }
    if kind == QuestionKind.CHOICE.value:
        question["choices"] = _choices(_text(form, f"q{slot}_choices"), slot, errors)
    return question


def _choices(typed: str, slot: int, errors: dict[str, str]) -> list[dict[str, Any]]:
    choices = []
    for number, line in enumerate((line for line in typed.splitlines() if line.strip()), 1):
        words = [word.strip() for word in line.split("|")]
        if len(words) != len(LANGUAGES) or not all(words):
            errors[f"q{slot}_choices"] = _(
                "Write each choice on its own line in the three languages, separated by "
                "“|”: English | Español | Deutsch."
            )
            return []
        choices.append({"id": f"c{number}", "text": dict(zip(LANGUAGES, words, strict=True))})
    if len(choices) < 2:
        errors[f"q{slot}_choices"] = _("Offer at least two choices.")
    return choices


def builder_values(name: str, stored: dict[str, Any]) -> dict[str, str]:
    """The form's fields as a survey holds them (a new one: the defaults)."""
    settings = survey_settings(stored)
    values = {
        "name": name,
        "trigger": settings.trigger.value,
        "days_after": str(settings.days_after),
        "cooldown_days": str(settings.cooldown_days),
        "language": settings.language.value,
        "woocommerce_consent": settings.woocommerce_consent.value,
        "widget_hosts": "\n".join(settings.widget_hosts),
    }
    for slot, question in zip(SLOTS, settings.questions, strict=False):
        values[f"q{slot}_id"] = question.id
        values[f"q{slot}_kind"] = question.kind.value
        for language in LANGUAGES:
            values[f"q{slot}_{language}"] = question.text.of(language)
        values[f"q{slot}_choices"] = "\n".join(
            " | ".join(choice.text.of(language) for language in LANGUAGES)
            for choice in question.choices
        )
    return values


def settings_errors(fields: dict[str, str]) -> dict[str, str]:
    """The service's refusal (`settings.questions.0.text.es`, `settings.days_after`) as the
    builder's fields."""
    named: dict[str, str] = {}
    for path, why in fields.items():
        parts = path.split(".")
        if parts[:2] == ["settings", "questions"] and len(parts) > 2 and parts[2].isdigit():
            slot = int(parts[2]) + 1
            rest = parts[3] if len(parts) > 3 else "kind"
            field = f"q{slot}_{rest if rest in LANGUAGES or rest == 'choices' else 'kind'}"
            named[field] = why
        elif parts[0] == "settings" and len(parts) > 1 and parts[1] != "questions":
            named[parts[1]] = why
        else:
            named["q1_kind" if parts[:2] == ["settings", "questions"] else "_form"] = why
    return named


def trigger_choices() -> list[tuple[str, str]]:
    return [
        (Trigger.RETURNING_ORDER.value, _("A returning customer's order (their second or later)")),
        (Trigger.WIN_BACK_REACTIVATION.value, _("An order that won a lapsed customer back")),
    ]


def kind_choices() -> list[tuple[str, str]]:
    return [
        ("", _("No question")),
        (QuestionKind.NPS.value, _("Net Promoter Score (0 to 10)")),
        (QuestionKind.CES.value, _("Customer Effort Score (1 to 7)")),
        (QuestionKind.CHOICE.value, _("Single choice")),
        (QuestionKind.TEXT.value, _("Free text")),
    ]


def consent_choices() -> list[tuple[str, str]]:
    return [
        (WooCommerceConsent.REQUIRED.value, _("Only customers who agreed to marketing e-mails")),
        (
            WooCommerceConsent.NOT_REQUIRED.value,
            _(EVERY_CUSTOMER),
        ),
    ]


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""
