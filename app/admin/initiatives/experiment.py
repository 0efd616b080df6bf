"""An initiative's experiment as it is stored — its variants and the share held out — said in
sentences, read-only: the experiments issue (#19) makes them editable and uses them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.admin.formats import percent
from app.admin.i18n import gettext as _
from app.initiatives.models import Initiative


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
