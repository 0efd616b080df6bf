"""An initiative's variants as the experiment uses them: stored as JSON on the initiative,
checked against its kind and settings, and turned into what a send changes (the subject and
opening paragraph, when the first e-mail goes, a win-back's discount)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from app.initiatives.emails import DEFAULT_WORDING, Wording
from app.initiatives.models import Initiative, InitiativeType
from app.initiatives.schemas import Variant
from app.initiatives.settings import WinBackSettings, validated
from app.integrations.base import DiscountKind
from app.okr.service import invalid

HOLDOUT, TREATED = "holdout", "treated"
# Kinds whose customers receive e-mails: what a variant's timing and wording change.
SENDING = (InitiativeType.ABANDONED_CHECKOUT, InitiativeType.WIN_BACK, InitiativeType.SURVEY)


def stored(variants: list[Variant]) -> list[dict[str, Any]]:
    return [variant.model_dump(mode="json", exclude_none=True) for variant in variants]


def parsed(initiative: Initiative) -> list[Variant]:
    return [_variant(stored) for stored in initiative.variants]


def _variant(stored: dict[str, Any]) -> Variant:
    """A stored variant; one saved before variants were checked as they are now (a key with a
    space) keeps its key and weight, so its customers stay in their group."""
    try:
        return Variant.model_validate(stored)
    except ValidationError:
        return Variant.model_construct(
            key=str(stored.get("key", "")), weight=int(stored.get("weight") or 1)
        )


def check(kind: InitiativeType, settings: dict[str, Any], variants: list[Variant]) -> None:
    """A 422 for a variant that changes what this kind of initiative does not have."""
    for variant in variants:
        if variant.discount_value is not None:
            _check_discount(kind, settings, variant.discount_value)
        changes_sending = (variant.subject, variant.content, variant.delay_minutes)
        if kind not in SENDING and any(v is not None for v in changes_sending):
            raise invalid({"variants": "this initiative sends no e-mails to vary"})


def _check_discount(kind: InitiativeType, settings: dict[str, Any], value: Decimal) -> None:
    if kind is not InitiativeType.WIN_BACK:
        raise invalid({"variants": "only a win-back's variants change a discount"})
    win_back = validated(kind, settings)
    if win_back.get("discount_kind") == DiscountKind.PERCENTAGE.value and value > 100:
        raise invalid({"variants": "a percentage discount is at most 100"})


def has_experiment(initiative: Initiative) -> bool:
    return bool(initiative.variants) or initiative.holdout_share > 0


def variant_named(initiative: Initiative, group: str | None) -> Variant | None:
    return next((v for v in parsed(initiative) if v.key == group), None)


def wording(variant: Variant | None) -> Wording:
    if variant is None:
        return DEFAULT_WORDING
    return Wording(variant.subject, variant.content)


def first_delay(variant: Variant | None, default: timedelta) -> timedelta:
    """When the first e-mail goes after the customer became eligible."""
    if variant is None or variant.delay_minutes is None:
        return default
    return timedelta(minutes=variant.delay_minutes)


def win_back_offer(variant: Variant | None, settings: WinBackSettings) -> WinBackSettings:
    """The win-back's settings with the variant's discount (checked when it was saved)."""
    if variant is None or variant.discount_value is None:
        return settings
    return settings.model_copy(update={"discount_value": variant.discount_value})
