"""The settings form, read and checked: every wrong field named, nothing half-accepted."""

from __future__ import annotations

import re
from collections.abc import Mapping

from email_validator import EmailNotValidError, validate_email

from app.admin import i18n
from app.admin.formats import read_whole
from app.admin.i18n import gettext as _
from app.digest.service import DigestChoice
from app.okr.service import invalid

# A digest is for a handful of stakeholders; a cap keeps the form from becoming a mailing tool.
MAX_RECIPIENTS = 50
_SEPARATORS = re.compile(r"[\n,;]+")


def read_form(form: Mapping[str, object], *, email_ready: bool) -> DigestChoice:
    """The merchant's choices, or a 422 naming each wrong field (and each wrong address).
    Without an e-mail server the digest cannot be switched on: it would never leave."""
    errors: dict[str, str] = {}
    recipients = _recipients(_text(form, "recipients"), errors)
    weekday = _whole_number(_text(form, "weekday"), 0, 6, "weekday", errors)
    hour = _whole_number(_text(form, "hour"), 0, 23, "hour", errors)
    enabled = _text(form, "enabled") in {"on", "true", "1"}
    locale = _text(form, "locale") or i18n.DEFAULT
    if locale not in i18n.LANGUAGES:
        errors["locale"] = _("choose English, Spanish or German")
    if enabled and not email_ready:
        errors["enabled"] = _(
            "The digest cannot be switched on yet: e-mail is not set up, so it could not be "
            "sent. Save your recipients now and switch it on once e-mail works."
        )
    if enabled and not recipients and "recipients" not in errors:
        errors["recipients"] = _("add at least one address to send the digest to")
    if errors:
        raise invalid(errors)
    return DigestChoice(recipients, weekday, hour, enabled, locale)


def _text(form: Mapping[str, object], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _recipients(text: str, errors: dict[str, str]) -> list[str]:
    addresses: dict[str, str] = {}  # lower-cased → as normalised, so a repeat counts once
    wrong: list[str] = []
    for entry in filter(None, (part.strip() for part in _SEPARATORS.split(text))):
        try:
            address = validate_email(entry, check_deliverability=False).normalized
        except EmailNotValidError:
            wrong.append(entry)
            continue
        addresses.setdefault(address.lower(), address)
    if wrong:
        errors["recipients"] = _("not an e-mail address: %(addresses)s") % {
            "addresses": ", ".join(wrong)
        }
    elif len(addresses) > MAX_RECIPIENTS:
        errors["recipients"] = _("at most %(count)d addresses") % {"count": MAX_RECIPIENTS}
    return list(addresses.values())


def _whole_number(text: str, low: int, high: int, name: str, errors: dict[str, str]) -> int:
    number = read_whole(text)
    if number is not None and low <= number <= high:
        return number
    errors[name] = _("choose a whole number from %(low)d to %(high)d") % {"low": low, "high": high}
    return low
