"""Turning OKR rows and live statuses into API bodies."""

from __future__ import annotations

from decimal import Decimal

from app.metrics.catalogue import Unit
from app.metrics.service import present
from app.okr.evaluation import KRStatus
from app.okr.models import CheckIn, Cycle, KeyResult, Objective
from app.okr.okr_templates import OkrTemplate
from app.okr.schemas import (
    CheckInOut,
    CycleOut,
    ForecastOut,
    KeyResultOut,
    ObjectiveOut,
    Quarter,
    ScorecardOut,
    ScoredObjective,
    StatusOut,
    TemplateKeyResultOut,
    TemplateOut,
)
from app.okr.scorecard import ObjectiveView, Scorecard
from app.okr.service import quarters
from app.okr.template_fill import Suggestion


def cycle_out(cycle: Cycle) -> CycleOut:
    return CycleOut(
        id=cycle.id or 0,
        name=cycle.name,
        start=cycle.start,
        end=cycle.end,
        status=cycle.status,
        quarters=[Quarter(name=n, start=s, end=e) for n, s, e in quarters(cycle)],
    )


def objective_out(objective: Objective, warnings: list[str] | None = None) -> ObjectiveOut:
    return ObjectiveOut.model_validate(objective).model_copy(update={"warnings": warnings or []})


def tidy(value: Decimal | None) -> Decimal | None:
    """Without storage noise: 9.000000 is 9, 151.920000 is 151.92."""
    return present(value, Unit.COUNT)


def status_out(status: KRStatus) -> StatusOut:
    forecast = status.forecast
    return StatusOut(
        value=tidy(status.value),
        start=tidy(status.start),
        target=tidy(status.target),
        score=status.score,
        band=status.band,
        health=status.health,
        progress=status.progress,
        expected=tidy(status.expected),
        pace=status.pace,
        forecast=ForecastOut(
            value=tidy(forecast.value),
            low=tidy(forecast.low),
            high=tidy(forecast.high),
            probability=forecast.probability,
            model=forecast.model,
        ),
        from_=status.span[0] if status.span else None,
        to=status.span[1] if status.span else None,
        stretch_reached=status.stretch_reached,
    )


def key_result_out(kr: KeyResult, status: KRStatus | None = None) -> KeyResultOut:
    out = KeyResultOut.model_validate(kr)
    amounts = {
        name: tidy(getattr(kr, name)) for name in ("start_value", "target", "stretch_target")
    }
    return out.model_copy(update={**amounts, "status": status_out(status) if status else None})


def check_in_out(entry: CheckIn) -> CheckInOut:
    out = CheckInOut.model_validate(entry)
    return out.model_copy(update={"value": tidy(entry.value)})


def scorecard_out(card: Scorecard) -> ScorecardOut:
    return ScorecardOut(
        cycle=cycle_out(card.cycle),
        score=card.score,
        warnings=card.warnings,
        objectives=[_scored(view) for view in card.objectives],
    )


def _scored(view: ObjectiveView) -> ScoredObjective:
    return ScoredObjective(
        objective=objective_out(view.objective),
        score=view.score,
        band=view.band,
        health=view.health,
        flags=view.flags,
        key_results=[key_result_out(kr.key_result, kr.status) for kr in view.key_results],
        children=[_scored(child) for child in view.children],
    )


def template_out(template: OkrTemplate, suggestions: list[Suggestion]) -> TemplateOut:
    return TemplateOut(
        id=template.id,
        kind=template.kind,
        title=template.title,
        description=template.description,
        key_results=[
            TemplateKeyResultOut(
                title=s.template.title,
                kr_type=s.template.kr_type,
                metric_key=s.template.metric_key,
                unit=s.template.unit,
                start=tidy(s.start),
                target=tidy(s.target),
                missing=s.missing,
                start_basis=s.basis,
                target_rule=s.rule,
                chance=s.chance,
                pending=s.pending,
            )
            for s in suggestions
        ],
    )
