"""HTML forms into the API's request models, and their errors back next to each field.

A form posts strings; an empty one means "not given" (None), so the request models and the
OKR services check a form exactly as they check the JSON API."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import FormData

from app.admin import formats
from app.admin.editor.amounts import Reader, Unreadable
from app.admin.formats import read_number, read_whole
from app.admin.i18n import gettext as _
from app.admin.i18n import translated
from app.auth.dependencies import CSRF_FIELD
from app.deps import LARGEST_ROW_ID
from app.errors import AppError
from app.text import Text

Model = TypeVar("Model", bound=BaseModel)

FORM_ERROR = "_form"  # an error that belongs to no single field


@dataclass
class FormState:
    """A form sent back with what was typed and why it was refused."""

    key: str  # which form on the page ("objective-new", "kr-12", …)
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


class FormRefused(Exception):
    def __init__(self, errors: dict[str, str], status_code: int = 422) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.status_code = status_code  # 409 when the cycle was closed meanwhile


def values_of(form: FormData) -> dict[str, str]:
    """The form's text fields (the CSRF token is not data)."""
    return {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}


def read_row_id(typed: object) -> int | None:
    """A row id sent in a form field; None when it is not a whole number or is beyond
    PostgreSQL's `integer` (it names nothing, and the database would fail on it)."""
    number = read_whole(typed)
    return number if number is not None and 0 < number <= LARGEST_ROW_ID else None


def parse(
    model: type[Model],
    values: Mapping[str, object],
    numbers: Collection[str] = (),
    readers: Mapping[str, Reader] | None = None,
) -> Model:
    """The request model from form values; blank fields are left out (their defaults apply).
    The `numbers` were typed in the page's locale ("1.500,5" in German); a field with one of
    the `readers` is read by it (an amount in its metric's unit, `amounts.reader`)."""
    given = {k: v for k, v in values.items() if not (isinstance(v, str) and not v.strip())}
    errors: dict[str, str] = {}
    for name in numbers & given.keys():
        number = read_number(str(given[name]))
        if number is None:
            errors[name] = _not_a_number()
        given[name] = number
    for name, read in (readers or {}).items():
        if name in given:
            try:
                given[name] = read(str(given[name]))
            except Unreadable as why:
                errors[name], given[name] = str(why), None
    try:
        parsed = model.model_validate(given)
    except ValidationError as error:
        raise FormRefused(_field_errors(error) | errors) from None
    if errors:
        raise FormRefused(errors)
    return parsed


def _field_errors(error: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else FORM_ERROR
        errors.setdefault(name, _bounded(problem) or in_page_language(problem))
    return errors


def _bounded(problem: ErrorDetails) -> str | None:
    """A number or day beyond the request model's bounds, with the bound as it is typed here
    ("Enter 1000 or less."); a bound no one would type (the database's largest amount) is just
    "too large"."""
    bounds = problem.get("ctx") or {}
    match problem["type"]:
        case "less_than_equal" | "less_than" if _beyond_typing(bounds.get("le", bounds.get("lt"))):
            return _("This number is too large.")
        case "greater_than_equal" | "greater_than" if _beyond_typing(
            bounds.get("ge", bounds.get("gt"))
        ):
            return _("This number is too small.")
        case "less_than_equal":
            return _("Enter %(limit)s or less.") % {"limit": _limit(bounds["le"])}
        case "greater_than_equal":
            return _("Enter %(limit)s or more.") % {"limit": _limit(bounds["ge"])}
        case "less_than":
            return _("Enter less than %(limit)s.") % {"limit": _limit(bounds["lt"])}
        case "greater_than":
            return _("Enter more than %(limit)s.") % {"limit": _limit(bounds["gt"])}
    return None


def in_page_language(problem: ErrorDetails) -> str:
    """Any other problem pydantic finds, as a sentence of the page's language: a request
    model's own `Text` translated, the common kinds said plainly, never pydantic's English."""
    bounds = problem.get("ctx") or {}
    kind = problem["type"]
    if kind == "value_error" and isinstance(text := _text_of(bounds.get("error")), Text):
        return translated(text)
    if kind in ("missing", "string_too_short"):
        return _("Fill in this field.")
    if kind == "string_too_long":
        return _("Shorten this to %(count)s characters or fewer.") % {
            "count": bounds.get("max_length")
        }
    if kind in _NUMBER_PROBLEMS:
        return _not_a_number()
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return _("Enter a whole number.")
    if kind.startswith(("date", "datetime")):
        return _("Enter a day, for example %(example)s.") % {"example": _example_day()}
    if kind in ("enum", "literal_error"):
        return _("Choose one of the options.")
    return _("This value cannot be used here: check it and try again.")


_NUMBER_PROBLEMS = {"finite_number", "decimal_parsing", "float_parsing", "decimal_type",
                    "float_type", "decimal_max_digits", "decimal_max_places"}  # fmt: skip
_LARGEST_TYPED = Decimal(10) ** 12  # beyond this a bound is a storage limit, not a rule


def _beyond_typing(bound: object) -> bool:
    return isinstance(bound, int | float | Decimal) and abs(Decimal(bound)) >= _LARGEST_TYPED


def _example_day() -> str:
    return formats.day(date(2027, 3, 31))


def _text_of(error: object) -> object:
    return error.args[0] if isinstance(error, ValueError) and error.args else None


def _not_a_number() -> str:
    example = formats.number(Decimal("1234.5"), 1)
    return _("Enter a number, for example %(example)s.") % {"example": example}


def _limit(bound: object) -> str:
    """A bound as it would be typed (the locale's decimal sign, no grouping: a year stays
    2100), a day as the page writes dates."""
    if isinstance(bound, int | float | Decimal):
        return formats.editable(Decimal(bound))
    try:
        return formats.day(date.fromisoformat(str(bound)))
    except ValueError:
        return str(bound)


def refused(error: AppError) -> FormRefused:
    """A service's refusal as form errors (a 422's `details.fields`, else the whole message)."""
    fields = error.details.get("fields")
    if isinstance(fields, dict) and fields:
        return FormRefused(
            {str(name): translated(why if isinstance(why, str) else str(why))
             for name, why in fields.items()}, error.status_code,
        )  # fmt: skip
    return FormRefused({FORM_ERROR: translated(error.message)}, error.status_code)


async def discard_changes(session: AsyncSession) -> None:
    """Undo what a refused form changed in this unit of work (the signed-in shop is a snapshot,
    not a row, so the page rendered next still has it)."""
    await session.rollback()
