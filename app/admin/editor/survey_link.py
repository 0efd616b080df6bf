"""The survey a template's NPS key result is measured by, for the sentence beside it while it
waits for its first answers: the shop's survey that asks the NPS question (an active one first),
else the Surveys section, where one is set up."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from app.initiatives import repository
from app.initiatives.models import Initiative, InitiativeStatus, InitiativeType
from app.initiatives.surveys.settings import QuestionKind, survey_settings

SURVEYS = "/admin/surveys"


@dataclass(frozen=True)
class SurveyLink:
    href: str
    name: str | None  # the survey's own name; None: no survey asks it yet (the section's page)


async def survey_link(session: AsyncSession, shop_id: int) -> SurveyLink:
    asking = [i for i in await repository.initiatives_of(session, shop_id) if _asks_nps(i)]
    asking.sort(key=lambda i: i.status is not InitiativeStatus.ACTIVE)  # stable: oldest first
    if not asking:
        return SurveyLink(SURVEYS, None)
    return SurveyLink(f"{SURVEYS}/{asking[0].id}", asking[0].name)


def _asks_nps(initiative: Initiative) -> bool:
    """A survey not ended that asks the NPS question (the answers the NPS metric counts)."""
    if initiative.type is not InitiativeType.SURVEY:
        return False
    if initiative.status is InitiativeStatus.ENDED:
        return False
    questions = survey_settings(initiative.settings).questions
    return any(question.kind is QuestionKind.NPS for question in questions)
