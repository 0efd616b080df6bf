"""What the admin calls the OKR domain's values, in the page's language."""

from __future__ import annotations

from decimal import Decimal

from app.admin import formats
from app.admin.i18n import gettext as _
from app.metrics.catalogue import BY_KEY
from app.okr.health import AT_RISK_BELOW, OFF_TRACK_BELOW, Health
from app.okr.models import Level, ObjectiveKind, Source, Window
from app.okr.scoring import Bands, KRType

# The colour a status is drawn in (with its words, never by colour alone).
HEALTH_COLOURS = {Health.ON_TRACK: "green", Health.AT_RISK: "yellow", Health.OFF_TRACK: "red"}


def kinds() -> list[tuple[str, str]]:
    return [
        (ObjectiveKind.INCREASE_REVENUE, _("Increase revenue")),
        (ObjectiveKind.CUSTOMER_LOYALTY, _("Increase customer loyalty")),
        (ObjectiveKind.DECREASE_COSTS, _("Decrease costs")),
        (ObjectiveKind.OTHER, _("Other")),
    ]


def levels() -> list[tuple[str, str]]:
    return [
        (Level.COMPANY, _("Company")),
        (Level.TEAM, _("Team")),
        (Level.INDIVIDUAL, _("Individual")),
    ]


def kr_types() -> list[tuple[str, str]]:
    return [
        (KRType.INCREASE_TO, _("Increase to")),
        (KRType.DECREASE_TO, _("Decrease to")),
        (KRType.STAY_ABOVE, _("Stay above")),
        (KRType.STAY_BELOW, _("Stay below")),
        (KRType.MILESTONE, _("Milestone (done or not)")),
    ]


def sources() -> list[tuple[str, str]]:
    return [
        (Source.METRIC, _("A store metric, computed live")),
        (Source.MANUAL, _("Manual, moved by check-ins")),
    ]


def windows() -> list[tuple[str, str]]:
    return [
        (Window.CYCLE, _("The whole cycle")),
        (Window.RANGE, _("A range of days in the cycle")),
        (Window.ROLLING, _("The last N days")),
    ]


def health(value: Health | None) -> str:
    """A status in words, the same on every page and in the digest."""
    words = {
        Health.ON_TRACK: _("On track"),
        Health.AT_RISK: _("At risk"),
        Health.OFF_TRACK: _("Off track"),
    }
    return _("No score yet") if value is None else words[value]


def health_colour(value: Health | None) -> str:
    return "" if value is None else HEALTH_COLOURS[value]


def health_rule(bands: Bands) -> str:
    """The rule of `app.okr.health` in one sentence, with this shop's bands."""
    return _(
        "The status is the worst of three signals: the score (green from %(green)s, yellow "
        "from %(yellow)s), the pace (behind is at risk) and the forecast's chance of reaching "
        "the target (under %(risk)s at risk, under %(off)s off track)."
    ) % {
        "green": formats.score(bands.green_from),
        "yellow": formats.score(bands.yellow_from),
        "risk": formats.percent(Decimal(str(AT_RISK_BELOW))),
        "off": formats.percent(Decimal(str(OFF_TRACK_BELOW))),
    }


def explanations(bands: Bands) -> list[tuple[str, str]]:
    """What the dashboard's terms mean, a sentence each (#22): shown folded beside them."""
    return [
        (_("Score"), _(
            "How far a key result has come, from 0 (still at its start) to 1 (target reached). "
            "A total that grows through the cycle is compared with the part due by today. "
            "About 0.7 is a good result: targets are meant to stretch."
        )),
        (_("Band"), _(
            "The score's colour: green from %(green)s, yellow from %(yellow)s, red below."
        ) % {"green": formats.score(bands.green_from), "yellow": formats.score(bands.yellow_from)}),
        (_("Pace"), _(
            "Whether the value is ahead of or behind where it should be today on the way from "
            "start to target (following last year's shape when the store has one)."
        )),
        (_("Forecast"), _(
            "Where the value is heading by the end of the cycle if the days ahead go like the "
            "days so far, and the chance of reaching the target."
        )),
    ]  # fmt: skip


def metric_name(key: str | None) -> str:
    """A catalogue metric's name in the page's language (`app/admin/metric_words.py`)."""
    metric = BY_KEY.get(key or "")
    return _(metric.name) if metric else (key or "")


def metric_definition(key: str | None) -> str:
    metric = BY_KEY.get(key or "")
    return _(metric.definition) if metric else ""


def named(options: list[tuple[str, str]], value: str) -> str:
    return dict(options).get(value, value)


def permission(scope: str) -> str:
    """What an access scope the store granted lets StoreOKR do, in words; a scope StoreOKR
    never asks for keeps the store's own name for it."""
    words = {
        "read_orders": _("Read orders"),
        "read_all_orders": _("Read orders older than 60 days"),
        "read_customers": _("Read customers"),
        "read_checkouts": _("Read checkouts"),
        "write_discounts": _("Create discount codes"),
        # a WooCommerce REST key's permission
        "read": _("Read the store's data"),
        "read_write": _("Read and change the store's data"),
    }
    return words.get(scope, scope)
