"""An initiative's experiment on its page: what the stored variants and holdout mean for who
receives the e-mails, said in sentences, and the editor that changes them (a holdout share
and up to three variants, each with its weight and what it changes). The form is read in the
page's language and refused field by field; what passes goes through the initiatives service,
as the JSON API's changes do."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from app.admin.editor.forms import FormRefused
from app.admin.formats import editable, percent, read_number, read_whole
from app.admin.i18n import gettext as _
from app.initiatives.experiments.variants import parsed
from app.initiatives.models import Initiative, InitiativeType
from app.initiatives.schemas import MAX_VARIANTS, RESERVED_GROUPS, Variant

ROWS = tuple(range(1, MAX_VARIANTS + 1))
MAX_HOLDOUT_PERCENT = 50
MAX_DELAY_MINUTES = 60 * 24 * 30


@dataclass(frozen=True)
class VariantShare:
    key: str
    share: str  # of all eligible customers, the holdout taken out first


@dataclass(frozen=True)
class Experiment:
    holdout: str  # a sentence about who is held out
    variants: list[VariantShare]


def experiment(initiative: Initiative) -> Experiment:
    """What the stored variants and holdout mean for who receives the e-mails."""
    held_out = Decimal(str(initiative.holdout_share))
    if held_out > 0:
        holdout = _(
            "%(share)s of eligible customers are held out: they receive none of these e-mails, "
            "so what they do shows what the initiative changes."
        ) % {"share": percent(held_out)}
    else:
        holdout = _(
            "No one is held out: everyone eligible receives the e-mails, so there is no group "
            "to compare with."
        )
    weights = [(str(v.get("key", "")), int(v.get("weight") or 0)) for v in initiative.variants]
    total = sum(weight for _key, weight in weights)
    variants = [
        VariantShare(key, percent((1 - held_out) * weight / total))
        for key, weight in weights
        if total > 0
    ]
    return Experiment(holdout, variants)


def editor_values(initiative: Initiative) -> dict[str, str]:
    """The editor's fields as stored, in the page's number format."""
    values = {"holdout": editable(Decimal(str(initiative.holdout_share)) * 100)}
    for n, variant in zip(ROWS, parsed(initiative), strict=False):
        values |= {
            f"variant_{n}_key": variant.key,
            f"variant_{n}_weight": str(variant.weight),
            f"variant_{n}_subject": variant.subject or "",
            f"variant_{n}_content": variant.content or "",
            f"variant_{n}_delay": ""
            if variant.delay_minutes is None
            else str(variant.delay_minutes),
            f"variant_{n}_discount": editable(variant.discount_value),
        }
    return values


def read_experiment(form: FormData, kind: InitiativeType) -> tuple[float, list[Variant]]:
    """The holdout share and the variants typed, or FormRefused naming each wrong field. A
    row without a name is no variant."""
    errors: dict[str, str] = {}
    holdout = read_number(_text(form, "holdout") or "0")
    if holdout is None or not 0 <= holdout <= MAX_HOLDOUT_PERCENT:
        errors["holdout"] = _("Hold out between 0 and 50 percent of eligible customers.")
    variants = []
    for n in ROWS:
        if variant := _read_variant(form, n, kind, errors):
            variants.append(variant)
    keys = [v.key for v in variants]
    if len(set(keys)) != len(keys):
        errors["_form"] = _("Give each variant a name of its own.")
    if errors:
        raise FormRefused(errors)
    assert holdout is not None
    return float(holdout / 100), variants


def _read_variant(
    form: FormData, n: int, kind: InitiativeType, errors: dict[str, str]
) -> Variant | None:
    key = _text(form, f"variant_{n}_key")
    if not key:
        return None
    fields: dict[str, Any] = {"key": key}
    weight = read_whole(_text(form, f"variant_{n}_weight") or "1")
    if weight is None or not 1 <= weight <= 100:
        errors[f"variant_{n}_weight"] = _("A weight is a whole number from 1 to 100.")
    fields["weight"] = weight or 1
    for name in ("subject", "content"):
        if typed := _text(form, f"variant_{n}_{name}"):
            fields[name] = typed
    if typed := _text(form, f"variant_{n}_delay"):
        delay = read_whole(typed)
        if delay is None or delay > MAX_DELAY_MINUTES:
            errors[f"variant_{n}_delay"] = _("Give the delay in whole minutes, at most 30 days.")
        fields["delay_minutes"] = delay
    if kind is InitiativeType.WIN_BACK and (typed := _text(form, f"variant_{n}_discount")):
        discount = read_number(typed)
        if discount is None or discount <= 0:
            errors[f"variant_{n}_discount"] = _("A discount is a number above zero.")
        fields["discount_value"] = discount
    if key.lower() in RESERVED_GROUPS:
        errors[f"variant_{n}_key"] = _("This name is kept for the experiment's own groups.")
        return None
    try:
        return Variant.model_validate(fields)
    except ValidationError:
        errors.setdefault(
            f"variant_{n}_key",
            _(
                "Use letters, digits, - and _ for the name (up to 32), a subject of up to 150 "
                "characters and an opening paragraph of up to 1,000."
            ),
        )
        return None


def _text(form: FormData, name: str) -> str:
    typed = form.get(name)
    return typed.strip() if isinstance(typed, str) else ""
