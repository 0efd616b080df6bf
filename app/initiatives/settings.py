"""Each initiative type's settings, validated by a pydantic schema; what is stored is the
validated model with its defaults filled in."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

# Re-exported: the admin's forms read them here.
from app.initiatives.audience import Language as Language
from app.initiatives.audience import WooCommerceConsent as WooCommerceConsent
from app.initiatives.models import InitiativeType
from app.initiatives.surveys.settings import SurveySettings
from app.integrations.base import DiscountKind
from app.integrations.platforms import Platform
from app.okr.service import invalid

MAX_STEPS = 3
MIN_DELAY_MINUTES, MAX_DELAY_MINUTES = 15, 30 * 24 * 60


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


# Win-back (PLATFORMS.md, "Messaging norms": customers lapsed 30–90 days, tuned to the store's
# purchase cycle; unique single-use codes restricted to the customer, expiring in 2–4 days).
WIN_BACK_MAX_STEPS = 2


class WinBackSettings(BaseModel):
    """E-mails with a single-use discount code to customers whose last order is too long ago."""

    model_config = ConfigDict(extra="forbid")

    # Lapsed after this many days without a counted order; none: the shop's own time between
    # a customer's orders at `lapse_percentile` (`app.initiatives.lapse`), 60 days without
    # enough history.
    lapse_days: Annotated[int, Field(ge=14, le=730)] | None = None
    lapse_percentile: Annotated[int, Field(ge=50, le=95)] = 80
    # Customers lapsed longer than this are left alone (a first run would write to everyone
    # who ever ordered).
    max_lapse_days: Annotated[int, Field(ge=30, le=1825)] = 365
    # Not written to again by this initiative this long after its last e-mail to them.
    cooldown_days: Annotated[int, Field(ge=7, le=730)] = 90
    discount_kind: DiscountKind = DiscountKind.PERCENTAGE
    # Percent (1–100) or an amount in the shop's currency.
    discount_value: Annotated[Decimal, Field(gt=0, le=100_000, max_digits=10, decimal_places=2)] = (
        Decimal("10")
    )
    code_expiry_days: Annotated[int, Field(ge=1, le=30)] = 3
    # One e-mail, or two: the second a reminder this many hours after the first, while the
    # code is still valid.
    steps: Annotated[int, Field(ge=1, le=WIN_BACK_MAX_STEPS)] = 1
    reminder_after_hours: Annotated[int, Field(ge=12, le=30 * 24)] = 48
    # The shop-local hour the daily job looks for lapsed customers (and sends the first e-mail).
    send_hour: Annotated[int, Field(ge=0, le=23)] = 10
    woocommerce_consent: WooCommerceConsent = WooCommerceConsent.REQUIRED
    language: Language = Language.EN

    @model_validator(mode="after")
    def _coherent(self) -> WinBackSettings:
        if self.discount_kind is DiscountKind.PERCENTAGE and self.discount_value > 100:
            raise ValueError("a percentage discount is at most 100")
        if self.lapse_days is not None and self.lapse_days >= self.max_lapse_days:
            raise ValueError("the lapse threshold comes before the longest lapse written to")
        if self.steps == 2 and self.reminder_after_hours >= self.code_expiry_days * 24:
            raise ValueError("the reminder comes before the code expires")
        return self

    @property
    def cooldown(self) -> timedelta:
        return timedelta(days=self.cooldown_days)

    @property
    def code_expiry(self) -> timedelta:
        return timedelta(days=self.code_expiry_days)

    @property
    def reminder_after(self) -> timedelta:
        return timedelta(hours=self.reminder_after_hours)


class NoSettings(BaseModel):
    """Manual initiatives take no settings."""

    model_config = ConfigDict(extra="forbid")


SCHEMAS: dict[InitiativeType, type[BaseModel]] = {
    InitiativeType.ABANDONED_CHECKOUT: AbandonedCheckoutSettings,
    InitiativeType.WIN_BACK: WinBackSettings,
    InitiativeType.SURVEY: SurveySettings,
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


def win_back_settings(stored: dict[str, Any]) -> WinBackSettings:
    return WinBackSettings.model_validate(stored)


def consent_required(platform: Platform, rule: WooCommerceConsent) -> bool:
    """Shopify tells us each customer's e-mail marketing consent, and it is required;
    WooCommerce has no standard one, and the shop's rule decides."""
    if platform is Platform.WOOCOMMERCE:
        return rule is WooCommerceConsent.REQUIRED
    return True
