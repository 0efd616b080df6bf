"""Recording answers: one response per survey and order, whichever way the answers come (a
score link of the e-mail, the hosted page, the widget). The first answer creates the response
(`INSERT … ON CONFLICT DO NOTHING` on survey + order), every answer then takes the response's
row lock and writes into it — a second click on another score replaces the score, never adds a
response, also when two clicks arrive at once — and the response's scores go to the metrics
(`app.metrics.surveys.record_scores`) in the same transaction, which tells open key results
after commit.

What an answer may say is checked against the survey's questions first: a score inside its
question's scale, a choice the question offers, a text of at most `MAX_TEXT` characters; a
wrong one is a 422 that names the question, and nothing is written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import insert_many_or_skip
from app.initiatives.models import Initiative
from app.initiatives.surveys.models import Channel, SurveyResponse
from app.initiatives.surveys.settings import QuestionKind, SurveySettings
from app.metrics.surveys import Scores, record_scores
from app.okr.service import invalid

MAX_TEXT = 2000


@dataclass(frozen=True)
class Respondent:
    """Whose answers these are: the survey, the order, and (when known) the customer."""

    initiative: Initiative
    order_platform_id: str
    customer_key: str | None
    invitation_id: int | None
    channel: Channel
    language: str


def checked(settings: SurveySettings, answers: dict[str, Any]) -> dict[str, Any]:
    """`answers` (question id → answer) if each fits its question; 422 naming the wrong ones."""
    problems: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for question_id, answer in answers.items():
        question = settings.question(str(question_id))
        if question is None:
            problems[f"answers.{question_id}"] = "this survey asks no such question"
            continue
        why = _wrong(question.kind, [c.id for c in question.choices], answer)
        if why:
            problems[f"answers.{question_id}"] = why
        else:
            clean[question.id] = answer.strip() if isinstance(answer, str) else answer
    if problems:
        raise invalid(problems)
    return clean


def _wrong(kind: QuestionKind, choices: list[str], answer: Any) -> str | None:
    if kind.scale is not None:
        fits = isinstance(answer, int) and not isinstance(answer, bool) and answer in kind.scale
        return None if fits else f"a whole number from {kind.scale[0]} to {kind.scale[-1]}"
    if kind is QuestionKind.CHOICE:
        return None if answer in choices else "one of the question's choices"
    if not isinstance(answer, str) or len(answer) > MAX_TEXT:
        return f"a text of at most {MAX_TEXT} characters"
    return None


async def answer(
    session: AsyncSession,
    who: Respondent,
    settings: SurveySettings,
    answers: dict[str, Any],
    now: datetime,
) -> SurveyResponse:
    """Record `answers` (checked first) into the order's response for the survey."""
    clean = checked(settings, answers)
    response = await _locked_response(session, who, now)
    for question_id, value in clean.items():
        question = settings.question(question_id)
        assert question is not None
        if question.kind is QuestionKind.NPS:
            response.nps = value
        elif question.kind is QuestionKind.CES:
            response.ces = value
        elif question.kind is QuestionKind.CHOICE:
            response.choices = {**response.choices, question_id: value}
        elif value:
            response.comments = {**response.comments, question_id: value}
    response.invitation_id = response.invitation_id or who.invitation_id
    response.customer_key = response.customer_key or who.customer_key
    response.updated_at = now
    session.add(response)
    await session.flush()
    assert response.id is not None
    scores = Scores(
        response.id,
        response.initiative_id,
        response.channel.value,
        response.nps,
        response.ces,
        response.answered_at,
    )
    await record_scores(session, response.shop_id, scores)
    return response


async def _locked_response(session: AsyncSession, who: Respondent, now: datetime) -> SurveyResponse:
    survey = who.initiative
    row: dict[str, Any] = {
        "shop_id": survey.shop_id,
        "initiative_id": survey.id,
        "invitation_id": who.invitation_id,
        "order_platform_id": who.order_platform_id,
        "customer_key": who.customer_key,
        "channel": who.channel,
        "language": who.language,
        "choices": {},
        "comments": {},
        "answered_at": now,
        "updated_at": now,
    }
    unique = ["initiative_id", "order_platform_id"]
    await insert_many_or_skip(session, SurveyResponse, [row], unique, ("id",))
    statement = (
        select(SurveyResponse)
        .where(
            SurveyResponse.shop_id == survey.shop_id,
            SurveyResponse.initiative_id == survey.id,
            SurveyResponse.order_platform_id == who.order_platform_id,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.exec(statement)).one()


async def response_for(
    session: AsyncSession, shop_id: int, initiative_id: int, order_platform_id: str
) -> SurveyResponse | None:
    statement = select(SurveyResponse).where(
        SurveyResponse.shop_id == shop_id,
        SurveyResponse.initiative_id == initiative_id,
        SurveyResponse.order_platform_id == order_platform_id,
    )
    return (await session.exec(statement)).first()
