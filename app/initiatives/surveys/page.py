"""The hosted survey page (no sign-in, at our address, in the survey's language, with the
shop's name): `/s/<token>/<score>` is a score link of the e-mail — it records the score and
shows the page — `/s/<token>` shows the page, and a POST there records the follow-up answers
(`app.initiatives.surveys.links` for the token). A token we did not sign, or one whose
invitation or shop is gone, is a 404 page in sentences; a wrong answer is a 422 page that says
what to fix. The pages say `no-store` and send no referrer: the token in the address answers
for one customer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db import utcnow
from app.deps import SessionDep, SettingsDep
from app.errors import AppError
from app.initiatives.models import Initiative
from app.initiatives.surveys.answers import Respondent, answer, response_for
from app.initiatives.surveys.links import PAGE_PATH, read_invitation
from app.initiatives.surveys.models import Channel, SurveyInvitation, SurveyResponse
from app.initiatives.surveys.settings import QuestionKind, SurveySettings, survey_settings
from app.initiatives.surveys.words import WORDS, scale_ends
from app.messaging.rendering import render_page
from app.shops.models import Shop

router = APIRouter(tags=["surveys"], include_in_schema=False)
TEMPLATES = Path(__file__).parent / "templates"
HEADERS = {"Cache-Control": "no-store, max-age=0", "Referrer-Policy": "no-referrer"}


@dataclass(frozen=True)
class Invitation:
    invitation: SurveyInvitation
    survey: Initiative
    settings: SurveySettings
    shop: Shop

    @property
    def language(self) -> str:
        return self.settings.language.value

    def respondent(self) -> Respondent:
        return Respondent(
            self.survey,
            self.invitation.order_platform_id,
            self.invitation.customer_key,
            self.invitation.id,
            Channel.EMAIL,
            self.language,
        )


@router.get(PAGE_PATH + "{token}/{score}", response_class=HTMLResponse)
async def score_link(
    token: str, score: str, settings: SettingsDep, session: SessionDep
) -> HTMLResponse:
    """A score link of a survey e-mail: records the score (a second click replaces it)."""
    found = await _invitation(session, settings, token)
    if found is None:
        return _not_found()
    lead = found.settings.lead
    value = int(score) if score.isdecimal() and len(score) <= 2 else -1
    try:
        await answer(session, found.respondent(), found.settings, {lead.id: value}, utcnow())
    except AppError:
        return await _page(session, found, status=422, problem=True)
    return await _page(session, found)


@router.get(PAGE_PATH + "{token}", response_class=HTMLResponse)
async def survey_page(token: str, settings: SettingsDep, session: SessionDep) -> HTMLResponse:
    """The survey page of one invitation, with the answers given so far."""
    found = await _invitation(session, settings, token)
    if found is None:
        return _not_found()
    return await _page(session, found)


@router.post(PAGE_PATH + "{token}", response_class=HTMLResponse)
async def survey_answers(
    token: str, request: Request, settings: SettingsDep, session: SessionDep
) -> HTMLResponse:
    """The page's form: records the answers given (an empty field changes nothing)."""
    found = await _invitation(session, settings, token)
    if found is None:
        return _not_found()
    form = await request.form()
    given = {
        name.removeprefix("q_"): value
        for name, value in form.items()
        if name.startswith("q_") and isinstance(value, str) and value.strip()
    }
    try:
        answers = _typed(found.settings, given)
        await answer(session, found.respondent(), found.settings, answers, utcnow())
    except AppError:
        return await _page(session, found, status=422, problem=True)
    return await _page(session, found, thanked=True)


def _typed(settings: SurveySettings, given: dict[str, str]) -> dict[str, Any]:
    """Form values as answers: a score question's value as a number (a non-number stays text,
    which the check refuses)."""
    answers: dict[str, Any] = {}
    for question_id, value in given.items():
        question = settings.question(question_id)
        scored = question is not None and question.kind.scale is not None
        answers[question_id] = int(value) if scored and value.strip().isdecimal() else value
    return answers


async def _invitation(session: AsyncSession, settings: Settings, token: str) -> Invitation | None:
    invited = read_invitation(settings, token)
    if invited is None:
        return None
    invitation = await session.get(SurveyInvitation, invited.invitation_id)
    if invitation is None or invitation.shop_id != invited.shop_id:
        return None
    survey = await session.get(Initiative, invitation.initiative_id)
    shop = await session.get(Shop, invitation.shop_id)
    if survey is None or shop is None:
        return None
    return Invitation(invitation, survey, survey_settings(survey.settings), shop)


async def _page(
    session: AsyncSession,
    found: Invitation,
    *,
    status: int = 200,
    problem: bool = False,
    thanked: bool = False,
) -> HTMLResponse:
    response = await response_for(
        session, found.shop.id or 0, found.survey.id or 0, found.invitation.order_platform_id
    )
    language = found.language
    context = {
        "lang": language,
        "words": WORDS[language],
        "shop_name": found.shop.name or found.shop.domain,
        "questions": [_question(q, language, response) for q in found.settings.questions],
        "answered": response is not None,
        "problem": problem,
        "thanked": thanked,
    }
    return HTMLResponse(render_page(TEMPLATES, "page", context), status, headers=HEADERS)


def _question(question: Any, language: str, response: SurveyResponse | None) -> dict[str, Any]:
    given: Any = None
    if response is not None:
        given = {
            QuestionKind.NPS: response.nps,
            QuestionKind.CES: response.ces,
            QuestionKind.CHOICE: response.choices.get(question.id),
            QuestionKind.TEXT: response.comments.get(question.id),
        }[question.kind]
    scale = list(question.kind.scale) if question.kind.scale is not None else []
    return {
        "id": question.id,
        "kind": question.kind.value,
        "text": question.text.of(language),
        "scale": scale,
        "ends": scale_ends(question.kind, language) if scale else None,
        "choices": [(choice.id, choice.text.of(language)) for choice in question.choices],
        "given": given,
    }


def _not_found() -> HTMLResponse:
    context = {"lang": "en", "words": WORDS["en"], "shop_name": "", "questions": [],
               "answered": False, "problem": False, "thanked": False, "missing": True}  # fmt: skip
    return HTMLResponse(render_page(TEMPLATES, "page", context), 404, headers=HEADERS)
