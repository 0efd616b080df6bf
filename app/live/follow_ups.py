"""What a stream adds after a change: a domain registers a follow-up for a message kind, and
each open stream of the shop runs it once per burst of such messages (e.g. key results
re-scored after the metrics under them moved)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from app.runtime import Runtime

# (runtime, shop id) → the follow-up message's (kind, data), or None when there is nothing.
FollowUp = Callable[[Runtime, int], Awaitable[tuple[str, dict[str, Any]] | None]]

_BY_KIND: dict[str, list[FollowUp]] = {}


def follow(kind: str, follow_up: FollowUp) -> None:
    """Run `follow_up` after each burst of `kind` messages (registering it again changes
    nothing: every app the process creates wires itself)."""
    registered = _BY_KIND.setdefault(kind, [])
    if follow_up not in registered:
        registered.append(follow_up)


def for_kind(kind: str) -> list[FollowUp]:
    return list(_BY_KIND.get(kind, []))
