"""Additive figures and what each mirror record contributes to them (pure functions).

A contribution maps a rollup key (a shop-local day, or a day and a previous day) to figures; a
change to the mirror moves the rollups by `after − before`, key by key."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Self, TypeVar
from zoneinfo import ZoneInfo

from app.metrics.models import SLOTS

ZERO = Decimal("0")


class Additive:
    """Figures that add field by field: sums and counts only, never averages or rates."""

    def __add__(self, other: Self) -> Self:
        names = _names(type(self))
        return type(self).of(getattr(self, n) + getattr(other, n) for n in names)

    def __neg__(self) -> Self:
        return type(self).of(-getattr(self, n) for n in _names(type(self)))

    def __sub__(self, other: Self) -> Self:
        return self + -other

    def is_zero(self) -> bool:
        return all(not getattr(self, n) for n in _names(type(self)))

    @classmethod
    def of(cls, values: Iterable[Any]) -> Self:
        """Figures from their values in field order (as a rollup row holds them)."""
        return cls(*values)  # subclasses are dataclasses

    def values(self) -> dict[str, object]:
        """Column name → value (the rollup tables name their columns after the fields)."""
        return {n: getattr(self, n) for n in _names(type(self))}


_NAMES: dict[type[Additive], tuple[str, ...]] = {}


def _names(figures_type: type[Additive]) -> tuple[str, ...]:
    """The field names of a figures class (looked up once: figures add up on every query)."""
    names = _NAMES.get(figures_type)
    if names is None:
        names = _NAMES[figures_type] = tuple(f.name for f in fields(figures_type))  # type: ignore[arg-type]
    return names


@dataclass(frozen=True)
class SalesFigures(Additive):
    """Dated by the order's day, returns by the refund's day."""

    gross: Decimal = ZERO
    discounts: Decimal = ZERO
    returns: Decimal = ZERO
    orders: int = 0
    units: int = 0
    # The part of sales and returns that belongs to known customers (lifetime value).
    customer_sales: Decimal = ZERO  # gross − discounts
    customer_returns: Decimal = ZERO
    fulfilled: int = 0
    fulfillment_seconds: int = 0  # Σ order → first fulfilment
    # Lines whose unit cost is known (gross margin).
    costed_sales: Decimal = ZERO  # Σ line price × quantity − line discount
    cost: Decimal = ZERO  # Σ unit cost × quantity


K = TypeVar("K")
F = TypeVar("F", bound=Additive)


def local_day(moment: datetime, timezone: str) -> date:
    """The shop-local calendar date of a moment (DST days are simply 23 or 25 hours long)."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def add_to(rows: dict[K, F], key: K, figures: F) -> None:
    """Add figures to a key's, in place."""
    rows[key] = rows[key] + figures if key in rows else figures


def accumulate(rows: dict[K, F], more: Mapping[K, F]) -> None:
    """Add every key's figures in place (a rebuild adds a million contributions: no copies)."""
    for key, figures in more.items():
        add_to(rows, key, figures)


def combine(*parts: Mapping[K, F]) -> dict[K, F]:
    """The per-key sum of contributions, leaving out keys that come to nothing."""
    totals: dict[K, F] = {}
    for part in parts:
        accumulate(totals, part)
    return {key: figures for key, figures in totals.items() if not figures.is_zero()}


def difference(after: Mapping[K, F], before: Mapping[K, F]) -> dict[K, F]:
    """after − before, per key, leaving out keys that do not change."""
    return combine(after, {key: -figures for key, figures in before.items()})


def at_slot(changes: Mapping[date, F], slot: int) -> dict[tuple[date, int], F]:
    return {(day, slot): figures for day, figures in changes.items()}


def without_slots(rows: Mapping[tuple[Any, ...], F]) -> dict[Any, F]:
    """Rows summed over their slot (the last part of each key); a one-part rest is unwrapped."""
    summed: dict[Any, F] = {}
    for key, figures in rows.items():
        add_to(summed, key[:-1] if len(key) > 2 else key[0], figures)
    return combine(summed)


def slot_of(identity: str) -> int:
    """Which of a key's rows a record's figures go to (stable across processes)."""
    return zlib.crc32(identity.encode()) % SLOTS
