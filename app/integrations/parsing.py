"""Reading platform payloads: amounts, times and ids, with errors that say which field."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from app.integrations.events import NormalisationError


def decimal_of(value: Any, field: str) -> Decimal:
    if value is None or value == "":
        return Decimal("0")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise NormalisationError(f"{field} is not an amount: {value!r}") from None


def time_of(value: Any, field: str, *, naive_is_utc: bool = False) -> datetime:
    """An aware datetime from an ISO 8601 string. WooCommerce's `*_gmt` fields carry no
    offset and are UTC (`naive_is_utc`); anything else without an offset is an error."""
    if not isinstance(value, str) or not value:
        raise NormalisationError(f"{field} is missing")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise NormalisationError(f"{field} is not a time: {value!r}") from None
    if parsed.tzinfo is None:
        if not naive_is_utc:
            raise NormalisationError(f"{field} has no UTC offset: {value!r}")
        return parsed.replace(tzinfo=UTC)
    return parsed


def optional_time(value: Any, field: str, *, naive_is_utc: bool = False) -> datetime | None:
    return time_of(value, field, naive_is_utc=naive_is_utc) if value else None


def id_of(value: Any) -> str | None:
    """Platform ids as strings (they outgrow floats in JSON readers); None for null, 0 or ""."""
    if value is None or value == "" or value == 0:
        return None
    return str(value)
