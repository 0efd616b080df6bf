"""A survey's responses for the admin: filtered (channel, NPS group, shop-local dates), shown
newest first, and exported as CSV (the same filters; no customer named: the response's order
and the answers, as the merchant's own store holds the customer of each order)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.initiatives.surveys.models import Channel, SurveyResponse
from app.initiatives.surveys.settings import SurveySettings
from app.metrics.surveys import DETRACTOR, PROMOTER

MAX_LISTED = 200
GROUPS = ("promoters", "passives", "detractors")


@dataclass(frozen=True)
class Filters:
    channel: str = ""  # "", "email" or "widget"
    group: str = ""  # "", or one of GROUPS
    start: date | None = None
    end: date | None = None

    @staticmethod
    def read(query: dict[str, str]) -> Filters:
        """What the page's filter form asks for; anything unknown is no filter."""
        channel = query.get("channel", "")
        group = query.get("group", "")
        return Filters(
            channel if channel in {c.value for c in Channel} else "",
            group if group in GROUPS else "",
            _day(query.get("from", "")),
            _day(query.get("to", "")),
        )

    def as_query(self) -> dict[str, str]:
        return {
            "channel": self.channel,
            "group": self.group,
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
        }


async def responses_of(
    session: AsyncSession,
    shop_id: int,
    initiative_id: int,
    timezone: str,
    filters: Filters,
    limit: int | None = MAX_LISTED,
) -> list[SurveyResponse]:
    r = SurveyResponse
    statement = select(r).where(r.shop_id == shop_id, r.initiative_id == initiative_id)
    zone = ZoneInfo(timezone)
    if filters.channel:
        statement = statement.where(r.channel == Channel(filters.channel))
    if filters.group == "promoters":
        statement = statement.where(col(r.nps) >= PROMOTER)
    elif filters.group == "passives":
        statement = statement.where(col(r.nps) > DETRACTOR, col(r.nps) < PROMOTER)
    elif filters.group == "detractors":
        statement = statement.where(col(r.nps) <= DETRACTOR)
    if filters.start:
        statement = statement.where(
            col(r.answered_at) >= datetime.combine(filters.start, time(), zone)
        )
    if filters.end:
        after = datetime.combine(filters.end + timedelta(days=1), time(), zone)
        statement = statement.where(col(r.answered_at) < after)
    statement = statement.order_by(col(r.answered_at).desc(), col(r.id).desc())
    if limit is not None:
        statement = statement.limit(limit)
    return list((await session.exec(statement)).all())


def answer_of(response: SurveyResponse, settings: SurveySettings, question_id: str) -> str:
    """A response's answer to one question, as the merchant reads it (a choice by its text in
    the survey's language)."""
    question = settings.question(question_id)
    if question is None:
        return ""
    if question.kind.value == "nps":
        return "" if response.nps is None else str(response.nps)
    if question.kind.value == "ces":
        return "" if response.ces is None else str(response.ces)
    if question.kind.value == "choice":
        chosen = response.choices.get(question_id)
        found = next((c for c in question.choices if c.id == chosen), None)
        return found.text.of(settings.language.value) if found else ""
    return str(response.comments.get(question_id, ""))


def csv_export(
    responses: list[SurveyResponse], settings: SurveySettings, timezone: str, header: list[str]
) -> str:
    """The responses as CSV: `header` (translated) then one row per response."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*header, *(q.text.of(settings.language.value) for q in settings.questions)])
    zone = ZoneInfo(timezone)
    for response in responses:
        row: list[Any] = [
            response.answered_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            response.channel.value,
            response.order_platform_id,
        ]
        row += [_safe(answer_of(response, settings, q.id)) for q in settings.questions]
        writer.writerow(row)
    return out.getvalue()


def _safe(cell: str) -> str:
    """A cell a spreadsheet would run as a formula (a customer's free text) is kept as text."""
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def _day(typed: str) -> date | None:
    try:
        return date.fromisoformat(typed) if typed else None
    except ValueError:
        return None
