"""The survey page's "Ask returning customers now" form: its two fields read in the page's
language, each wrong one named next to it, and the sentence of how many customers the choices
hold. The bounds are the API's own (`app.initiatives.surveys.segment.Segment`), read from its
schema, so the form and the API cannot disagree on a range."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.admin.editor.forms import FormState
from app.admin.formats import read_whole
from app.admin.i18n import gettext as _
from app.admin.i18n import ngettext
from app.db import utcnow
from app.initiatives.models import Initiative
from app.initiatives.surveys import segment
from app.initiatives.surveys.segment import Segment
from app.shops.models import SignedInShop

FIELDS = ("ordered_within_days", "min_orders")


@cache
def bounds(field: str) -> tuple[int, int]:
    described = Segment.model_json_schema()["properties"][field]
    return int(described["minimum"]), int(described["maximum"])


def read_segment(typed: Mapping[str, Any]) -> tuple[Segment | None, dict[str, str]]:
    """The segment the fields say, or None and a sentence per wrong field."""
    chosen: dict[str, int] = {}
    errors: dict[str, str] = {}
    for field in FIELDS:
        value = read_whole(str(typed.get(field, "")).strip())
        low, high = bounds(field)
        if value is None or not low <= value <= high:
            errors[field] = _("Choose a whole number from %(low)d to %(high)d.") % {
                "low": low,
                "high": high,
            }
        else:
            chosen[field] = value
    return (None, errors) if errors else (Segment(**chosen), errors)


def form_key(survey: Initiative) -> str:
    return f"segment-{survey.id}"


def asked_notice(invited: int) -> str:
    return ngettext(
        "%(count)d customer will be asked in the next few minutes, about their last order.",
        "%(count)d customers will be asked in the next few minutes, each about their last order.",
        invited,
    ) % {"count": invited}


async def segment_context(
    session: AsyncSession,
    shop: SignedInShop,
    survey: Initiative,
    typed: Mapping[str, Any],
    failed: FormState | None,
) -> dict[str, Any]:
    """The form's values (`typed` when given, else the defaults) and, when they are valid,
    the sentence of how many customers they hold."""
    key = form_key(survey)
    defaults = Segment()
    values = {f: str(typed.get(f) or getattr(defaults, f)) for f in FIELDS}
    if failed is not None and failed.key == key:
        values = {f: failed.values.get(f, "") for f in FIELDS}
    chosen, _errors = read_segment(values)
    held = None
    if chosen is not None:
        start = segment.since(chosen, shop.timezone, utcnow())
        total = await segment.count(session, shop.id, start, chosen)
        held = ngettext(
            "With these choices, %(count)d customer is in the group.",
            "With these choices, %(count)d customers are in the group.",
            total,
        ) % {"count": total}
    return {"segment_key": key, "segment_values": values, "segment_held": held}
