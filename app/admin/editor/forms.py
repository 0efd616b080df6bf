"""HTML forms into the API's request models, and their errors back next to each field.

A form posts strings; an empty one means "not given" (None), so the request models and the
OKR services check a form exactly as they check the JSON API."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import FormData

from app.admin import formats
from app.admin.formats import read_number
from app.admin.i18n import gettext as _
from app.admin.i18n import translated
from app.auth.dependencies import CSRF_FIELD
from app.errors import AppError
from app.shops.models import Shop

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


def parse(model: type[Model], values: Mapping[str, object], numbers: Collection[str] = ()) -> Model:
    """The request model from form values; blank fields are left out (their defaults apply).
    The `numbers` were typed in the page's locale ("1.500,5" in German)."""
    given = {k: v for k, v in values.items() if not (isinstance(v, str) and not v.strip())}
    errors: dict[str, str] = {}
    for name in numbers & given.keys():
        number = read_number(str(given[name]))
        if number is None:
            example = formats.number(Decimal("1234.5"), 1)
            errors[name] = _("Enter a number, for example %(example)s.") % {"example": example}
        given[name] = number
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
        errors.setdefault(name, _readable(problem["msg"]))
    return errors


def _readable(message: str) -> str:
    return message.removeprefix("Value error, ").removeprefix("Input should be ")


def refused(error: AppError) -> FormRefused:
    """A service's refusal as form errors (a 422's `details.fields`, else the whole message)."""
    fields = error.details.get("fields")
    if isinstance(fields, dict) and fields:
        return FormRefused(
            {str(name): translated(why if isinstance(why, str) else str(why))
             for name, why in fields.items()}, error.status_code,
        )  # fmt: skip
    return FormRefused({FORM_ERROR: translated(error.message)}, error.status_code)


async def discard_changes(session: AsyncSession, shop: Shop) -> None:
    """Undo what a refused form changed in this unit of work; the shop is read again because
    the page rendered next still needs it."""
    await session.rollback()
    await session.refresh(shop)
