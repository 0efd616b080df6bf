"""The admin's check-in form: what was typed (shown again with its errors), read into the API's
`CheckInIn` so the limits are the API's own; the rules about values are `key_results.check_in`'s.
Numbers are read in the page's locale ("12,5" in German)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from pydantic import ValidationError
from starlette.datastructures import FormData

from app.admin import formats
from app.admin.i18n import gettext as _
from app.okr.models import KeyResult
from app.okr.schemas import CheckInIn

FIELDS = ("value", "confidence", "comment", "author")


@dataclass
class CheckInForm:
    values: dict[str, str]  # as typed
    errors: dict[str, str] = field(default_factory=dict)  # field (or "form") → why
    saved: bool = False

    @classmethod
    def blank(cls, kr: KeyResult, saved: bool = False) -> CheckInForm:
        return cls(
            {"value": "", "confidence": "", "comment": "", "author": kr.owner_name}, {}, saved
        )

    @classmethod
    def typed(cls, form: FormData) -> CheckInForm:
        return cls({name: _text(form.get(name)) for name in FIELDS})

    @property
    def first_error(self) -> str | None:
        """The field to focus: the first one (in the form's order) that is wrong."""
        return next((name for name in FIELDS if name in self.errors), None)


def _text(given: object) -> str:
    return given.strip() if isinstance(given, str) else ""


def read_check_in(form: CheckInForm) -> CheckInIn | None:
    """The check-in as the API takes it, or None with the form's errors filled in."""
    value = _decimal(form, "value")
    confidence = _whole(form, "confidence")
    try:
        body = CheckInIn(
            value=value,
            confidence=confidence,
            comment=form.values["comment"],
            author=form.values["author"],
        )
    except ValidationError as error:
        for problem in error.errors():
            name = str(problem["loc"][0])
            form.errors.setdefault(name, _why(name))
        return None
    return None if form.errors else body


def _decimal(form: CheckInForm, name: str) -> Decimal | None:
    typed = form.values[name]
    if not typed:
        return None
    value = formats.read_number(typed)
    if value is None:  # a value too large to store is CheckInIn's to refuse
        form.errors[name] = _why(name)
        return None
    return value


def _whole(form: CheckInForm, name: str) -> int | None:
    typed = form.values[name]
    if not typed:
        return None
    whole = formats.read_whole(typed)
    if whole is None:
        form.errors[name] = _why(name)
    return whole


def _why(name: str) -> str:
    """Said next to the field, in the page's language (translated when asked, not at import)."""
    match name:
        case "value":
            example = formats.number(Decimal("12.5"), 1)
            return _("Enter a number, for example %(example)s.") % {"example": example}
        case "confidence":
            return _("Choose a whole number from 1 to 10.")
        case "comment":
            return _("Keep the comment to 2,000 characters.")
        case "author":
            return _("Keep the name to 120 characters.")
        case _:
            return _("Check this field.")
