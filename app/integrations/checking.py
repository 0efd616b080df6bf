"""What a normaliser hands on is storable, or the payload is refused in words.

A payload in an unexpected shape (a list where an object belongs, text for a quantity) must
not surface as a TypeError from deep inside a reader: the worker would retry it as if it were
a passing fault, then park it with an error no one can act on. And a value the reader let
through (an amount of 1e400, "NaN", a number where a name belongs) must not reach the
database, where it fails the whole batch. Both become a NormalisationError naming the field —
the worker parks such an event at once, with that message, and goes on with the others."""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

from app.db import MONEY_LIMIT
from app.integrations.events import CommerceEvent, NormalisationError

# Quantities and counts go into PostgreSQL `integer` columns.
LARGEST_COUNT = 2**31 - 1
# Identities and contact details are stored whole (descriptive text is clipped by the mirror):
# longer than their columns, they are not what they claim to be.
TEXT_LIMITS = {
    "platform_id": 64,
    "order_platform_id": 64,
    "line_platform_id": 64,
    "product_id": 64,
    "variant_id": 64,
    "token": 255,
    "email": 320,
    "phone": 64,
    "first_name": 255,
    "last_name": 255,
    "recovery_url": 2048,
    "currency": 3,
}
# Each event type's field types, read once (the check runs on every event).
_hints = functools.cache(typing.get_type_hints)
# Errors a reader raises when the payload is not in the shape it expects.
SHAPE_ERRORS = (TypeError, AttributeError, KeyError, IndexError, ValueError, ArithmeticError)


@contextmanager
def reading(platform: str, topic: str) -> Iterator[None]:
    """Turn a reader's surprise at the payload's shape into a NormalisationError."""
    try:
        yield
    except NormalisationError:
        raise
    except SHAPE_ERRORS as error:
        raise NormalisationError(
            f"the {platform} {topic} payload is not in the documented shape "
            f"({_what(error)}); nothing of it was recorded"
        ) from error


def _what(error: BaseException) -> str:
    if isinstance(error, KeyError):
        return f"the field {error} is missing"
    if isinstance(error, AttributeError | TypeError):
        return "a field holds a value of the wrong kind (text, number, list or object)"
    return str(error)[:200] or type(error).__name__


def checked(events: list[CommerceEvent]) -> list[CommerceEvent]:
    """The events, once every value in them is one the database can store."""
    for event in events:
        _check(event, type(event).__name__)
    return events


def _check(value: Any, where: str) -> None:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        hints = _hints(type(value))
        for item in dataclasses.fields(value):
            inner = getattr(value, item.name)
            _check_type(inner, hints[item.name], f"{where}.{item.name}")
            _check_length(inner, item.name, f"{where}.{item.name}")
            _check(inner, f"{where}.{item.name}")
    elif isinstance(value, tuple):
        for index, inner in enumerate(value):
            _check(inner, f"{where}[{index}]")
    elif isinstance(value, Decimal):
        if not value.is_finite() or abs(value) >= MONEY_LIMIT:
            raise NormalisationError(f"{where} is not an amount that can be stored: {value}")
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > LARGEST_COUNT:
        raise NormalisationError(f"{where} is too large: {value}")
    elif isinstance(value, datetime) and value.tzinfo is None:
        raise NormalisationError(f"{where} has no UTC offset")


def _check_type(value: Any, hint: Any, where: str) -> None:
    """Text where text belongs: a reader passes some fields on as the payload gives them."""
    allowed = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if value is None and type(None) in allowed:
        return
    if str in allowed and not isinstance(value, str):
        raise NormalisationError(f"{where} is not text: {value!r}"[:300])
    if isinstance(value, str) and "\x00" in value:  # PostgreSQL stores no U+0000 in text
        raise NormalisationError(f"{where} holds a NUL character (U+0000)")


def _check_length(value: Any, name: str, where: str) -> None:
    limit = TEXT_LIMITS.get(name)
    if limit is not None and isinstance(value, str) and len(value) > limit:
        raise NormalisationError(f"{where} is longer than {limit} characters: {value[:40]!r}…")
