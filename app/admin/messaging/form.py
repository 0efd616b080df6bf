"""The e-mail settings form, read in the page's language ("24" or a German "24"; times as the
browser's time field sends them, HH:MM) and checked by `app.messaging.shop_settings`, whose
problems are said here in the page's language, each next to its field."""

from __future__ import annotations

from collections.abc import Mapping

from app.admin import formats
from app.admin.formats import read_number
from app.admin.i18n import gettext as _
from app.messaging.shop_settings import (
    MAX_CAP_HOURS,
    MAX_SENDER_NAME,
    MIN_CAP_HOURS,
    Choice,
    Messaging,
    Problem,
    clock,
)

FIELDS = ("sender_name", "reply_to", "frequency_cap_hours", "quiet_start", "quiet_end")
_LARGEST_TYPED = 10**6  # any more is no number of hours to look at further


def read_form(form: Mapping[str, object]) -> Choice:
    """The merchant's choices as typed; `shop_settings.problems` says what is wrong."""
    return Choice(
        sender_name=_text(form, "sender_name"),
        reply_to=_text(form, "reply_to"),
        frequency_cap_hours=_whole(_text(form, "frequency_cap_hours")),
        quiet_hours=_checked(form, "quiet_hours"),
        quiet_start=_text(form, "quiet_start"),
        quiet_end=_text(form, "quiet_end"),
        owner_alerts=_checked(form, "owner_alerts"),
    )


def typed_values(form: Mapping[str, object]) -> dict[str, object]:
    """What the merchant typed, shown again next to the errors (escaped by the template)."""
    values: dict[str, object] = {name: _text(form, name) for name in FIELDS}
    values["quiet_hours"] = _checked(form, "quiet_hours")
    values["owner_alerts"] = _checked(form, "owner_alerts")
    return values


def saved_values(messaging: Messaging) -> dict[str, object]:
    """The form's fields as saved: the shop's own name and address as empty fields (their
    placeholders show them), the cap in the page's locale."""
    return {
        "sender_name": messaging.sender_name if messaging.custom_sender_name else "",
        "reply_to": messaging.reply_to if messaging.custom_reply_to else "",
        "frequency_cap_hours": formats.number(messaging.frequency_cap_hours, 0),
        "quiet_hours": messaging.quiet_hours,
        "quiet_start": clock(messaging.quiet_start),
        "quiet_end": clock(messaging.quiet_end),
        "owner_alerts": messaging.owner_alerts,
    }


def sentences(problems: Mapping[str, Problem]) -> dict[str, str]:
    """Each wrong field's sentence in the page's language."""
    return {field: _sentence(problem) for field, problem in problems.items()}


def _sentence(problem: Problem) -> str:
    if problem is Problem.SENDER_NAME:
        return _(
            "Use at most %(count)d characters on one line, or leave it empty for the shop's name."
        ) % {"count": MAX_SENDER_NAME}
    if problem is Problem.REPLY_TO:
        return _("Enter an e-mail address, or leave it empty for the shop's address.")
    if problem is Problem.CAP:
        return _("Choose a whole number of hours from %(low)s to %(high)s.") % {
            "low": formats.number(MIN_CAP_HOURS, 0),
            "high": formats.number(MAX_CAP_HOURS, 0),
        }
    if problem is Problem.CLOCK:
        return _("Choose a time of day.")
    return _("Quiet hours must end at another time than they start.")


def _text(form: Mapping[str, object], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _checked(form: Mapping[str, object], name: str) -> bool:
    return _text(form, name) in {"on", "true", "1"}


def _whole(typed: str) -> int | None:
    """A whole number typed in the page's locale; None for anything else."""
    value = read_number(typed)
    if value is None or abs(value) > _LARGEST_TYPED or value != value.to_integral_value():
        return None
    return int(value)
