"""Splitting a batch of snapshots so that no record appears twice in one part."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def rounds(items: Sequence[T], identity: Callable[[T], str]) -> list[list[T]]:
    """Parts in which no record appears twice (one statement cannot write a row twice, and a
    record's `before` must be what the previous snapshot left); a record's later snapshots go
    to later parts, as they would arrive one by one."""
    parts: list[list[T]] = []
    seen: dict[str, int] = {}
    for item in items:
        key = identity(item)
        index = seen.get(key, 0)
        seen[key] = index + 1
        if index == len(parts):
            parts.append([])
        parts[index].append(item)
    return parts


async def in_rounds(
    items: Sequence[T],
    identity: Callable[[T], str],
    apply: Callable[[list[T]], Awaitable[list[R]]],
) -> list[R]:
    """`apply` each round in turn; what the rounds returned, in order."""
    done: list[R] = []
    for part in rounds(items, identity):
        done += await apply(part)
    return done
