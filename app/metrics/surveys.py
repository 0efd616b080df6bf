"""The survey family: NPS, CES, responses and the e-mail response rate (definitions in
`catalogue.SURVEYS`).

The survey initiatives record each response's scores here in the transaction that records the
response (`record_scores`: one `survey_scores` row per response, updated by a second answer),
then `MetricsMoved("surveys")` after commit moves open key results live. A range reads the rows
of its shop-local days (one per response: bounded by the surveys sent and orders placed, and
read on an index by shop and day) — exact, and nothing to rebuild. The survey e-mails sent are
counted from the send log (`marketing.sent_by_day`, the messages whose subject is a survey's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import insert_many_or_skip
from app.metrics.deltas import announce
from app.metrics.figures import Additive, local_day
from app.metrics.marketing import sent_by_day
from app.metrics.models import SurveyScore
from app.shops.models import Shop

FAMILY = "surveys"
SURVEY_SUBJECT = "survey:"  # the send log's subject of a survey e-mail: "survey:<invitation id>"
PROMOTER, DETRACTOR = 9, 6  # NPS: 9–10 promote, 0–6 detract


@dataclass(frozen=True)
class SurveyFigures(Additive):
    responses: int = 0  # responses, by the day of their first answer
    email_responses: int = 0  # of them, first answered through a survey e-mail
    nps_answers: int = 0
    promoters: int = 0
    detractors: int = 0
    ces_answers: int = 0
    ces_total: int = 0  # Σ CES scores
    emails_sent: int = 0  # survey e-mails the SMTP server accepted, by the day handed over


@dataclass(frozen=True)
class Scores:
    """One response's scores, as the initiative recorded them."""

    response_id: int
    initiative_id: int
    channel: str
    nps: int | None
    ces: int | None
    answered_at: datetime  # the first answer


async def record_scores(session: AsyncSession, shop_id: int, scores: Scores) -> None:
    """The response's scores, new or changed, in the caller's transaction (which holds the
    response's row, so two answers to one response are recorded one after the other)."""
    timezone = str((await session.exec(select(Shop.timezone).where(Shop.id == shop_id))).one())
    day = local_day(scores.answered_at, timezone)
    row = {
        "shop_id": shop_id,
        "response_id": scores.response_id,
        "initiative_id": scores.initiative_id,
        "channel": scores.channel,
        "nps": scores.nps,
        "ces": scores.ces,
        "day": day,
        "at": scores.answered_at,
    }
    made = await insert_many_or_skip(
        session, SurveyScore, [row], ["shop_id", "response_id"], ("id",)
    )
    if not made:
        held = (
            await session.exec(
                select(SurveyScore).where(
                    SurveyScore.shop_id == shop_id, SurveyScore.response_id == scores.response_id
                )
            )
        ).one()
        held.nps, held.ces = scores.nps, scores.ces
        session.add(held)
        await session.flush()
    announce(session, shop_id, FAMILY, [day])


async def survey_counts(
    session: AsyncSession, shop_id: int, start: date, end: date
) -> dict[date, SurveyFigures]:
    """Each shop-local day's survey figures in [start, end] (days without any are absent)."""
    s = SurveyScore.__table__.c  # type: ignore[attr-defined]
    statement = (
        sa_select(
            s.day,
            func.count(),
            func.count().filter(s.channel == "email"),
            func.count(s.nps),
            func.count().filter(s.nps >= PROMOTER),
            func.count().filter(s.nps <= DETRACTOR),
            func.count(s.ces),
            func.coalesce(func.sum(s.ces), 0),
        )
        .where(s.shop_id == shop_id, s.day >= start, s.day <= end)
        .group_by(s.day)
    )
    days = {
        row[0]: SurveyFigures(*(int(value) for value in row[1:]))
        for row in (await session.exec(statement)).all()  # type: ignore[call-overload]
    }
    for day, sent in (await sent_by_day(session, shop_id, start, end, SURVEY_SUBJECT)).items():
        days[day] = days.get(day, SurveyFigures()) + SurveyFigures(emails_sent=sent)
    return days
