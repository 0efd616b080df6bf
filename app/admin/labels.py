"""What the admin calls the OKR domain's values, in the page's language."""

from __future__ import annotations

from app.admin.i18n import gettext as _
from app.okr.models import Level, ObjectiveKind, Source, Window
from app.okr.scoring import KRType


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


def named(options: list[tuple[str, str]], value: str) -> str:
    return dict(options).get(value, value)
