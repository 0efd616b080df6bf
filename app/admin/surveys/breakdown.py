"""A survey's breakdown: NPS and CES week by week over the last weeks (shop-local days, the
response's first answer, as the metrics date it), and how its NPS answers split into
promoters, passives and detractors. Pure over the responses read by the page; drawn with the
key result page's SVG chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from markupsafe import Markup

from app.admin import formats
from app.admin.i18n import gettext as _
from app.admin.key_result.svg_chart import ChartText, HistoryChart, history_chart
from app.metrics.periods import Granularity, period_start
from app.metrics.surveys import DETRACTOR, PROMOTER

WEEKS = 12


@dataclass(frozen=True)
class Answered:
    day: date  # shop-local day of the first answer
    nps: int | None
    ces: int | None


@dataclass(frozen=True)
class Split:
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def answers(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def nps(self) -> Decimal | None:
        if not self.answers:
            return None
        return Decimal(100 * (self.promoters - self.detractors)) / self.answers


def window(today: date) -> tuple[date, date]:
    """The first day of the week `WEEKS − 1` weeks before this one, and today."""
    return period_start(today, Granularity.WEEK) - timedelta(weeks=WEEKS - 1), today


def split(answers: Sequence[Answered]) -> Split:
    scores = [a.nps for a in answers if a.nps is not None]
    return Split(
        promoters=sum(score >= PROMOTER for score in scores),
        passives=sum(DETRACTOR < score < PROMOTER for score in scores),
        detractors=sum(score <= DETRACTOR for score in scores),
    )


def weekly_nps(answers: Sequence[Answered]) -> list[tuple[date, Decimal]]:
    """Each week's NPS (weeks with NPS answers only), oldest first."""
    weeks: dict[date, list[Answered]] = {}
    for answer in answers:
        weeks.setdefault(period_start(answer.day, Granularity.WEEK), []).append(answer)
    series = [(week, split(found).nps) for week, found in sorted(weeks.items())]
    return [(week, value) for week, value in series if value is not None]


def weekly_ces(answers: Sequence[Answered]) -> list[tuple[date, Decimal]]:
    """Each week's mean CES (weeks with CES answers only), oldest first."""
    weeks: dict[date, list[int]] = {}
    for answer in answers:
        if answer.ces is not None:
            weeks.setdefault(period_start(answer.day, Granularity.WEEK), []).append(answer.ces)
    return [(week, Decimal(sum(found)) / len(found)) for week, found in sorted(weeks.items())]


def chart(
    series: list[tuple[date, Decimal]], first: date, last: date, title: str, chart_id: str
) -> Markup:
    """One score's weekly values as the key result page draws a key result's history."""
    text = ChartText(
        title=title,
        description=_description(series, first, last),
        values=title,
        target=_("Target"),
        pace=_("Expected pace"),
        forecast=_("Forecast range"),
        empty=_("No answers in these weeks yet"),
        day=lambda day: formats.day(day, "medium"),
        number=lambda value: formats.number(value, 1),
    )
    return history_chart(HistoryChart(series, first, last), text, chart_id)


def _description(series: list[tuple[date, Decimal]], first: date, last: date) -> str:
    span = _("Weeks from %(first)s to %(last)s.") % {
        "first": formats.day(first),
        "last": formats.day(last),
    }
    if not series:
        return f"{span} {_('No answers in these weeks yet')}."
    week, value = series[-1]
    latest = _("The latest week with answers, from %(day)s, scores %(value)s.") % {
        "day": formats.day(week),
        "value": formats.number(value, 1),
    }
    return f"{span} {latest}"
