"""A survey initiative's settings: its questions (each written in English, Spanish and German),
what sends it, and in which language.

The first question is the one the e-mail asks with one-click score links and the widget asks
first, so it is a score: NPS (0–10) or CES (1–7). At most one NPS and one CES question, so that
a response has one NPS score and one CES score for the metrics. The others (single choice, free
text, or the other score) are the follow-up asked on the hosted page and in the widget."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.initiatives.audience import Language, WooCommerceConsent

MAX_QUESTIONS, MAX_CHOICES = 6, 8
QUESTION_ID = r"^[a-z][a-z0-9_]{0,31}$"
_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class QuestionKind(StrEnum):
    NPS = "nps"  # 0–10: how likely to recommend
    CES = "ces"  # 1–7: how easy it was
    CHOICE = "choice"  # one of the question's choices
    TEXT = "text"  # free text

    @property
    def scale(self) -> range | None:
        """The scores a score question takes."""
        return {QuestionKind.NPS: range(0, 11), QuestionKind.CES: range(1, 8)}.get(self)


SCORES = (QuestionKind.NPS, QuestionKind.CES)


class Translated(BaseModel):
    """One text in each of our languages."""

    model_config = ConfigDict(extra="forbid")

    en: Annotated[str, Field(min_length=1, max_length=300)]
    es: Annotated[str, Field(min_length=1, max_length=300)]
    de: Annotated[str, Field(min_length=1, max_length=300)]

    def of(self, language: str) -> str:
        return str(getattr(self, language))


class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(pattern=QUESTION_ID)]
    text: Translated


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(pattern=QUESTION_ID)]
    kind: QuestionKind
    text: Translated
    choices: Annotated[list[Choice], Field(max_length=MAX_CHOICES)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _choices_fit_kind(self) -> Question:
        if self.kind is QuestionKind.CHOICE:
            if len(self.choices) < 2:
                raise ValueError("a single-choice question offers at least two choices")
            if len({choice.id for choice in self.choices}) < len(self.choices):
                raise ValueError("each choice has its own id")
        elif self.choices:
            raise ValueError("only a single-choice question has choices")
        return self


class Trigger(StrEnum):
    RETURNING_ORDER = "returning_order"  # a customer's second or later counted order
    WIN_BACK_REACTIVATION = "win_back_reactivation"  # the order that won a lapsed customer back


def _default_questions() -> list[Question]:
    return [
        Question(
            id="recommend",
            kind=QuestionKind.NPS,
            text=Translated(
                en="How likely are you to recommend us to a friend?",
                es="¿Qué probabilidad hay de que nos recomiendes a un amigo?",
                de="Wie wahrscheinlich ist es, dass du uns einem Freund empfiehlst?",
            ),
        ),
        Question(
            id="why",
            kind=QuestionKind.TEXT,
            text=Translated(
                en="What is the main reason for your score?",
                es="¿Cuál es el motivo principal de tu puntuación?",
                de="Was ist der wichtigste Grund für deine Bewertung?",
            ),
        ),
    ]


class SurveySettings(BaseModel):
    """NPS and CES surveys of returning customers, by e-mail and on the store's thank-you page."""

    model_config = ConfigDict(extra="forbid")

    questions: Annotated[list[Question], Field(min_length=1, max_length=MAX_QUESTIONS)] = Field(
        default_factory=_default_questions
    )
    trigger: Trigger = Trigger.RETURNING_ORDER
    # The e-mail goes this many days after the order that triggers it (0: at once).
    days_after: Annotated[int, Field(ge=0, le=60)] = 7
    # A customer is not asked again by this survey this long after being asked.
    cooldown_days: Annotated[int, Field(ge=7, le=730)] = 90
    woocommerce_consent: WooCommerceConsent = WooCommerceConsent.REQUIRED
    language: Language = Language.EN
    # The widget: the storefront hosts it may answer from besides the shop's own domain (a
    # custom domain in front of a myshopify.com shop), as host names.
    widget_hosts: Annotated[list[str], Field(max_length=10)] = Field(default_factory=list)

    @field_validator("widget_hosts")
    @classmethod
    def _hosts(cls, hosts: list[str]) -> list[str]:
        cleaned = [host.strip().lower() for host in hosts]
        if not all(_HOST.fullmatch(host) for host in cleaned):
            raise ValueError("each entry is a host name such as shop.example.com")
        return cleaned

    @model_validator(mode="after")
    def _coherent(self) -> SurveySettings:
        if self.questions[0].kind not in SCORES:
            raise ValueError("the first question is a score question (NPS or CES)")
        ids = [question.id for question in self.questions]
        if len(set(ids)) < len(ids):
            raise ValueError("each question has its own id")
        for kind in SCORES:
            if sum(question.kind is kind for question in self.questions) > 1:
                raise ValueError(f"a survey asks at most one {kind.value.upper()} question")
        return self

    @property
    def lead(self) -> Question:
        """The question of the e-mail's one-click links and the widget's first screen."""
        return self.questions[0]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


def survey_settings(stored: dict[str, Any]) -> SurveySettings:
    return SurveySettings.model_validate(stored)
