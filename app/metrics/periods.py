"""Cutting a range of shop-local days into days, ISO weeks or calendar months."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, cast, func, literal

Span = tuple[date, date]  # first and last day, both inclusive


class Granularity(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def period_start(day: date, granularity: Granularity) -> date:
    if granularity is Granularity.WEEK:
        return day - timedelta(days=day.weekday())  # ISO weeks start on Monday
    if granularity is Granularity.MONTH:
        return day.replace(day=1)
    return day


def next_period_start(day: date, granularity: Granularity) -> date:
    if granularity is Granularity.WEEK:
        return period_start(day, granularity) + timedelta(days=7)
    if granularity is Granularity.MONTH:
        first = day.replace(day=1)
        if first.month == 12:
            return first.replace(year=first.year + 1, month=1)
        return first.replace(month=first.month + 1)
    return day + timedelta(days=1)


def periods(start: date, end: date, granularity: Granularity) -> list[Span]:
    """The range cut at period boundaries (the first and last period may be partial)."""
    result: list[Span] = []
    day = start
    while day <= end:
        following = next_period_start(day, granularity)
        result.append((day, min(end, following - timedelta(days=1))))
        day = following
    return result


def sql_period_start(day: Any, granularity: Granularity, dialect: str) -> Any:
    """`period_start` of a date column, in the database's own dialect."""
    if granularity is Granularity.DAY:
        return day
    if dialect == "postgresql":
        unit = "week" if granularity is Granularity.WEEK else "month"
        return cast(func.date_trunc(unit, day), Date)
    if granularity is Granularity.WEEK:  # SQLite: forward to Sunday, back to its Monday
        return func.date(day, literal("weekday 0"), literal("-6 days"))
    return func.date(day, literal("start of month"))
