"""Request and response bodies of the initiatives API (OpenAPI examples included)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from app.initiatives.models import InitiativeStatus, InitiativeType
from app.okr.schemas import RowRef

MAX_KEY_RESULTS, MAX_VARIANTS = 20, 3
# Group names the experiment keeps for itself (the holdout, and the one treated group of a
# holdout-only experiment).
RESERVED_GROUPS = frozenset({"holdout", "treated"})
Name = Annotated[str, Field(min_length=1, max_length=120)]
# The share of the audience held out as a control group (the experiments issue uses it).
Holdout = Annotated[float, Field(ge=0, le=0.5, allow_inf_nan=False)]


class Variant(BaseModel):
    """One arm of an initiative's experiment: its share of the treated customers (`weight`,
    relative to the others') and what it changes — the e-mails' subject, an opening paragraph
    (`content`), when the first e-mail goes (`delay_minutes` after the customer becomes
    eligible) and, for a win-back, the discount; left out, the initiative's own."""

    model_config = ConfigDict(extra="forbid")

    key: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]
    weight: Annotated[int, Field(ge=1, le=100)] = 1
    subject: Annotated[str, Field(min_length=1, max_length=150)] | None = None
    content: Annotated[str, Field(min_length=1, max_length=1000)] | None = None
    delay_minutes: Annotated[int, Field(ge=0, le=60 * 24 * 30)] | None = None
    discount_value: (
        Annotated[Decimal, Field(gt=0, le=100_000, max_digits=10, decimal_places=2)] | None
    ) = None

    @model_serializer(mode="wrap")
    def _only_what_it_changes(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A variant reads as what it sets: what it leaves to the initiative is not written.
        return {k: v for k, v in handler(self).items() if v is not None}


def _distinct_keys(variants: list[Variant]) -> list[Variant]:
    keys = [variant.key for variant in variants]
    if len(set(keys)) != len(keys):
        raise ValueError("each variant needs a key of its own")
    if reserved := RESERVED_GROUPS.intersection(keys):
        raise ValueError(f"{', '.join(sorted(reserved))} names a group the experiment keeps")
    return variants


Variants = Annotated[list[Variant], Field(max_length=MAX_VARIANTS), AfterValidator(_distinct_keys)]


class InitiativeIn(BaseModel):
    """A new initiative, a draft until activated. `settings` depend on `type` (abandoned
    checkout: `steps` [{"delay_minutes"}] 1–3, growing, default 60, 1440, 4320;
    `attribution_days` 7; `woocommerce_consent` required | not_required; `language` en | es
    | de); win-back: `lapse_days` (none: the shop's own time between orders at
    `lapse_percentile` 80, 60 days without enough history), `max_lapse_days` 365,
    `cooldown_days` 90, `discount_kind` percentage | fixed_amount, `discount_value` 10,
    `code_expiry_days` 3, `steps` 1–2 and `reminder_after_hours` 48, `send_hour` 10
    (shop-local), `woocommerce_consent`, `language`); left out, the defaults."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "type": "abandoned_checkout",
                    "name": "Recover abandoned carts",
                    "settings": {"steps": [{"delay_minutes": 60}, {"delay_minutes": 1440}]},
                },
            ]
        },
    )
    type: InitiativeType
    name: Name
    settings: dict[str, Any] = Field(default_factory=dict)
    key_result_ids: Annotated[list[RowRef], Field(max_length=MAX_KEY_RESULTS)] = Field(
        default_factory=list
    )
    variants: Variants = Field(default_factory=list)
    holdout_share: Holdout = 0.0


class InitiativePatch(BaseModel):
    """What to change; fields left out stay as they are (`settings` are replaced whole)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "Recover carts (EU)"}]}
    )
    name: Name | None = None
    settings: dict[str, Any] | None = None
    key_result_ids: Annotated[list[RowRef], Field(max_length=MAX_KEY_RESULTS)] | None = None
    variants: Variants | None = None
    holdout_share: Holdout | None = None


class InitiativeOut(BaseModel):
    id: int
    type: InitiativeType
    name: str
    status: InitiativeStatus
    settings: dict[str, Any]
    key_result_ids: list[int]
    variants: list[Variant]
    holdout_share: float
    created_at: datetime
    updated_at: datetime


class SegmentAsked(BaseModel):
    """How many customers a survey sent to a segment invited (those asked lately are not)."""

    invited: int
