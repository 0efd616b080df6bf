"""An initiative's audit as a merchant reads it: when (in the shop's time zone), who (the
admin, the API, the demo or the shop's own jobs) and what changed, in a sentence in the page's
language — setting names and stored values never shown as they are kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.admin.i18n import gettext as _
from app.admin.i18n import ngettext
from app.admin.initiatives.forms import LANGUAGE_NAMES
from app.initiatives.models import InitiativeAudit, InitiativeType


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    who: str
    sentence: str


def audit_row(entry: InitiativeAudit, kind: InitiativeType) -> AuditRow:
    return AuditRow(entry.at, who(entry.actor), sentence(entry, kind))


def who(actor: str) -> str:
    match actor:
        case "admin":
            return _("Someone in this admin")
        case "api":
            return _("An app through the API")
        case "demo":
            return _("The demo")
    return _("The shop's automatic jobs")


def sentence(entry: InitiativeAudit, kind: InitiativeType) -> str:
    changes = entry.changes or {}
    match entry.action:
        case "created":
            return _("Created it as a draft.")
        case "activated":
            return _("Switched it on.")
        case "paused":
            return _paused(changes)
        case "ended":
            return _("Ended it: it cannot be switched on again.")
        case "updated":
            return _("Changed %(what)s.") % {"what": ", ".join(_changed(changes, kind))}
        case "test_sent":
            language = LANGUAGE_NAMES.get(str(changes.get("language")), "")
            return _("Sent a test e-mail in %(language)s to the shop's address.") % {
                "language": language
            }
        case "test_failed":
            return _("Tried to send a test e-mail to the shop's address: it could not be sent.")
    return _("Changed the initiative.")


def _paused(changes: dict[str, Any]) -> str:
    cancelled = changes.get("cancelled_enrollments")
    if not isinstance(cancelled, int) or cancelled == 0:
        return _("Switched it off.")
    return ngettext(
        "Switched it off: the e-mails waiting for %(num)d customer were cancelled.",
        "Switched it off: the e-mails waiting for %(num)d customers were cancelled.",
        cancelled,
    ) % {"num": cancelled}


def _changed(changes: dict[str, Any], kind: InitiativeType) -> list[str]:
    """What an update changed, each named in words (the name with its old and new value)."""
    named: list[str] = []
    for field, values in changes.items():
        if field == "name" and isinstance(values, list) and len(values) == 2:
            named.append(_("the name (from “%(old)s” to “%(new)s”)") % {
                "old": values[0], "new": values[1]
            })  # fmt: skip
        elif field == "settings" and isinstance(values, list) and len(values) == 2:
            named += _settings_changed(values[0] or {}, values[1] or {}, kind)
        else:
            named.append(_field_names().get(field, _("other details")))
    return list(dict.fromkeys(named)) or [_("nothing visible")]


def _settings_changed(
    before: dict[str, Any], after: dict[str, Any], kind: InitiativeType
) -> list[str]:
    """The settings that changed, in words, in the order the form shows them."""
    labels = _setting_names(kind)
    order = list(labels)
    keys = sorted(set(before) | set(after), key=lambda k: order.index(k) if k in order else 99)
    other = _("other settings")
    return [labels.get(key, other) for key in keys if before.get(key) != after.get(key)]


def _field_names() -> dict[str, str]:
    return {
        "key_result_ids": _("the key results it should move"),
        "variants": _("the variants"),
        "holdout_share": _("the share held out"),
    }


def _setting_names(kind: InitiativeType) -> dict[str, str]:
    """Each setting in words, in the order the form shows them."""
    if kind is InitiativeType.ABANDONED_CHECKOUT:
        return {
            "steps": _("when the e-mails go out"),
            "language": _("the language of the e-mails"),
            "attribution_days": _("the days an order counts as recovered"),
            "woocommerce_consent": _("who may receive the e-mails"),
        }
    return {
        "lapse_days": _("when a customer counts as lapsed"),
        "lapse_percentile": _("when a customer counts as lapsed"),
        "max_lapse_days": _("the longest lapse written to"),
        "cooldown_days": _("the pause before writing to a customer again"),
        "discount_kind": _("the discount"),
        "discount_value": _("the discount"),
        "code_expiry_days": _("how long the code is valid"),
        "steps": _("the number of e-mails"),
        "reminder_after_hours": _("when the reminder goes out"),
        "send_hour": _("the hour the e-mails go out"),
        "language": _("the language of the e-mails"),
        "woocommerce_consent": _("who may receive the e-mails"),
    }
