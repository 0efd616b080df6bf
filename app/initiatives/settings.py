"""Each initiative type's settings, validated by a pydantic schema; what is stored is the
validated model with its defaults filled in."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.initiatives.models import InitiativeType
from app.okr.service import invalid

MAX_STEPS = 3
MIN_DELAY_MINUTES, MAX_DELAY_MINUTES = 15, 30 * 24 * 60


class WooCommerceConsent(StrEnum):
    """WooCommerce has no standard marketing consent: the shop chooses the rule."""

    REQUIRED = "required"  # send only to customers the mirror holds as consenting
    NOT_REQUIRED = "not_required"  # the shop has another basis (e.g. a soft opt-in)


class Language(StrEnum):
    EN = "en"
    ES = "es"
    DE = "de"


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    delay_minutes: Annotated[int, Field(ge=MIN_DELAY_MINUTES, le=MAX_DELAY_MINUTES)]

    @property
    def delay(self) -> timedelta:
        return timedelta(minutes=self.delay_minutes)


def _default_steps() -> list[Step]:
    return [Step(delay_minutes=60), Step(delay_minutes=24 * 60), Step(delay_minutes=72 * 60)]


class AbandonedCheckoutSettings(BaseModel):
    """Recovery e-mails after a checkout is abandoned (PLATFORMS.md, "Messaging norms")."""

    model_config = ConfigDict(extra="forbid")

    # Delays after abandonment, growing; 1 to 3 steps (default 1 h, 24 h, 72 h).
    steps: Annotated[list[Step], Field(min_length=1, max_length=MAX_STEPS)] = Field(
        default_factory=_default_steps
    )
    # An order this long after one of our messages counts as recovered by the initiative.
    attribution_days: Annotated[int, Field(ge=1, le=60)] = 7
    woocommerce_consent: WooCommerceConsent = WooCommerceConsent.REQUIRED
    language: Language = Language.EN  # of the e-mails and their unsubscribe page

    @model_validator(mode="after")
    def _steps_grow(self) -> AbandonedCheckoutSettings:
        delays = [step.delay_minutes for step in self.steps]
        if any(later <= earlier for earlier, later in zip(delays, delays[1:], strict=False)):
            raise ValueError("each step comes later than the one before it")
        return self

    @property
    def attribution_window(self) -> timedelta:
        return timedelta(days=self.attribution_days)


class NoSettings(BaseModel):
    """Win-back, surveys and manual initiatives take no settings yet."""

    model_config = ConfigDict(extra="forbid")


SCHEMAS: dict[InitiativeType, type[BaseModel]] = {
    InitiativeType.ABANDONED_CHECKOUT: AbandonedCheckoutSettings,
    InitiativeType.WIN_BACK: NoSettings,
    InitiativeType.SURVEY: NoSettings,
    InitiativeType.MANUAL: NoSettings,
}


def validated(kind: InitiativeType, raw: dict[str, Any]) -> dict[str, Any]:
    """`raw` checked against the type's schema, with its defaults: what is stored; 422 with
    one sentence per wrong field otherwise."""
    try:
        model = SCHEMAS[kind].model_validate(raw)
    except ValidationError as error:
        fields = {
            ".".join(["settings", *map(str, problem["loc"])]): problem["msg"]
            for problem in error.errors()
        }
        raise invalid(fields) from None
    return model.model_dump(mode="json")


def recovery_settings(stored: dict[str, Any]) -> AbandonedCheckoutSettings:
    return AbandonedCheckoutSettings.model_validate(stored)
