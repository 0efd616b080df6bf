"""Reading a webhook's headers: one that is missing or unreadable is a 400 that names it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from app.errors import BadRequest


def required_header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if not value:
        raise BadRequest(f"the {name} header is missing")
    return str(value)


def header_time(headers: Mapping[str, str], name: str) -> datetime:
    """An ISO 8601 time (Shopify's has nanoseconds and a Z); one without a zone is UTC."""
    value = required_header(headers, name)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"the {name} header is not an ISO 8601 time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
