"""Request and response bodies of the OKR API (OpenAPI examples included)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, ClassVar, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.db import MONEY_LIMIT
from app.deps import LARGEST_ROW_ID
from app.metrics.service import FIRST_DAY, LAST_DAY, MAX_RANGE_DAYS
from app.okr.health import Health
from app.okr.models import CycleStatus, Level, ObjectiveKind, Source, Window
from app.okr.projection import PaceStatus
from app.okr.scoring import Band, KRType
from app.text import Text

# Every number is bounded where it enters, so nothing stored can break a page later: a 422
# names the field instead.
# A value as it can be stored (a Money column): anything larger is refused with a 422.
Stored = Annotated[Decimal, Field(gt=-MONEY_LIMIT, lt=MONEY_LIMIT, allow_inf_nan=False)]
# A row id (PostgreSQL's `integer`): a larger one names nothing and would fail in the database.
RowRef = Annotated[int, Field(gt=0, le=LARGEST_ROW_ID)]
# A weight is relative to its siblings': a thousand to one is already more than any plan needs.
# (Positive is the services' check, with its own message.)
MAX_WEIGHT = 1000
Weight = Annotated[float, Field(le=MAX_WEIGHT, allow_inf_nan=False)]
# A place in a list; the editor numbers them 0, 1, 2, …, API clients may leave gaps.
MAX_POSITION = 100_000
Position = Annotated[int, Field(ge=0, le=MAX_POSITION)]
# The days a cycle or key-result window may name: those metrics answer for.
Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
# A rolling window's length: the metrics answer ranges of at most MAX_RANGE_DAYS.
RollingDays = Annotated[int, Field(ge=1, le=MAX_RANGE_DAYS)]


class CycleIn(BaseModel):
    """Either a calendar `year` (the default cycle; its quarters are listed with it) or a
    `name`, `start` and `end`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"year": 2027},
                {"name": "FY 27", "start": "2027-04-01", "end": "2028-03-31"},
            ]
        }
    )
    year: int | None = Field(default=None, ge=FIRST_DAY.year, le=LAST_DAY.year)
    name: str | None = Field(default=None, min_length=1, max_length=120)
    start: Day | None = None
    end: Day | None = None

    @field_validator("end")
    @classmethod
    def _within_metric_ranges(cls, end: date | None, info: ValidationInfo) -> date | None:
        """A cycle no longer than a metric range: its key results and the period before it
        are measured over its whole length."""
        start = info.data.get("start")
        if end is not None and start is not None and (end - start).days >= MAX_RANGE_DAYS:
            raise ValueError(Text("a cycle spans at most %(most)s days", most=MAX_RANGE_DAYS))
        return end


class Quarter(BaseModel):
    name: str
    start: date
    end: date


class CycleOut(BaseModel):
    id: int
    name: str
    start: date
    end: date
    status: CycleStatus
    quarters: list[Quarter]


class ObjectiveIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "cycle_id": 1,
                    "title": "Grow revenue from returning customers",
                    "kind": "increase_revenue",
                    "level": "company",
                    "owner_name": "Lena Hoffmann",
                    "owner_email": "lena@example.com",
                }
            ]
        }
    )
    cycle_id: RowRef
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    kind: ObjectiveKind
    level: Level = Level.COMPANY
    owner_name: str = Field(default="", max_length=120)
    owner_email: str | None = Field(default=None, max_length=320)
    team: str = Field(default="", max_length=120)
    parent_id: RowRef | None = None
    weight: Weight = 1.0
    position: Position = 0


class Patch(BaseModel):
    """A partial change: a field left out stays as it is, and `null` is taken only where the
    row may hold nothing (`clearable`) — elsewhere it is a 422 naming the field, not a null
    the database refuses (a 500, found by the API fuzzer)."""

    clearable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _null_only_where_clearable(self) -> Self:
        refused = sorted(
            name
            for name in self.model_fields_set
            if getattr(self, name) is None and name not in self.clearable
        )
        if refused:
            raise ValueError(f"{', '.join(refused)} cannot be null: leave it out to keep it")
        return self


class ObjectivePatch(Patch):
    clearable = frozenset({"owner_email", "parent_id"})

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    kind: ObjectiveKind | None = None
    level: Level | None = None
    owner_name: str | None = Field(default=None, max_length=120)
    owner_email: str | None = Field(default=None, max_length=320)
    team: str | None = Field(default=None, max_length=120)
    parent_id: RowRef | None = None
    weight: Weight | None = None
    position: Position | None = None


class ObjectiveOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    cycle_id: int
    title: str
    description: str
    kind: ObjectiveKind
    level: Level
    owner_name: str
    owner_email: str | None
    team: str
    parent_id: int | None
    weight: float
    position: int
    retrospective: str
    final_score: float | None
    warnings: list[str] = []


class KeyResultIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "objective_id": 1,
                    "title": "Raise average order value by 10 %",
                    "source": "metric",
                    "metric_key": "aov",
                    "kr_type": "increase_to",
                    "target": "55.00",
                },
                {
                    "objective_id": 1,
                    "title": "Median page load under 2 s",
                    "source": "manual",
                    "kr_type": "decrease_to",
                    "start_value": "3.4",
                    "target": "2.0",
                    "unit": "s",
                },
            ]
        }
    )
    objective_id: RowRef
    title: str = Field(min_length=1, max_length=200)
    source: Source
    metric_key: str | None = None
    window: Window = Window.CYCLE
    window_start: Day | None = None
    window_end: Day | None = None
    rolling_days: RollingDays | None = None
    kr_type: KRType
    start_value: Stored | None = Field(
        default=None, description="Left out: the metric over the equally long period before."
    )
    target: Stored | None = None
    stretch_target: Stored | None = None
    weight: Weight = 1.0
    owner_name: str = Field(default="", max_length=120)
    owner_email: str | None = Field(default=None, max_length=320)
    unit: str = Field(default="", max_length=32)
    done: bool = False
    position: Position = 0


class KeyResultPatch(Patch):
    clearable = frozenset(
        {
            "metric_key",
            "window_start",
            "window_end",
            "rolling_days",
            "start_value",
            "target",
            "stretch_target",
            "owner_email",
        }
    )

    title: str | None = Field(default=None, min_length=1, max_length=200)
    metric_key: str | None = None
    window: Window | None = None
    window_start: Day | None = None
    window_end: Day | None = None
    rolling_days: RollingDays | None = None
    kr_type: KRType | None = None
    start_value: Stored | None = None
    target: Stored | None = None
    stretch_target: Stored | None = None
    weight: Weight | None = None
    owner_name: str | None = Field(default=None, max_length=120)
    owner_email: str | None = Field(default=None, max_length=320)
    unit: str | None = Field(default=None, max_length=32)
    done: bool | None = None
    position: Position | None = None


class ForecastOut(BaseModel):
    value: Decimal | None
    low: Decimal | None
    high: Decimal | None
    probability: float | None
    model: str


class StatusOut(BaseModel):
    value: Decimal | None
    start: Decimal | None
    target: Decimal | None
    score: float | None
    band: Band | None
    health: Health | None = Field(
        default=None,
        description="on_track, at_risk or off_track: the worst of band, pace "
        "and forecast (see the README's OKRs section)",
    )
    progress: float | None
    expected: Decimal | None
    pace: PaceStatus | None
    forecast: ForecastOut
    from_: date | None = Field(default=None, serialization_alias="from")
    to: date | None = None
    stretch_reached: bool


class KeyResultOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    objective_id: int
    title: str
    source: Source
    metric_key: str | None
    window: Window
    window_start: date | None
    window_end: date | None
    rolling_days: int | None
    kr_type: KRType
    start_value: Decimal | None
    start_is_auto: bool
    start_basis: str | None = Field(
        default=None,
        description="Where an automatic start came from: period_before (the equally long period "
        "before), first_week or recent_weeks (complete weeks scaled to the length).",
    )
    target: Decimal | None
    stretch_target: Decimal | None
    weight: float
    owner_name: str
    owner_email: str | None
    unit: str
    done: bool
    position: int
    status: StatusOut | None = None


class CheckInIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"confidence": 7, "comment": "Bundles launched"}]}
    )
    value: Stored | None = None
    confidence: int | None = Field(default=None, ge=1, le=10)
    comment: str = Field(default="", max_length=2000)
    author: str = Field(default="", max_length=120)


class CheckInOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    value: Decimal | None
    score: float | None
    confidence: int | None
    comment: str
    author: str
    snapshot_day: date | None


class ScoredObjective(BaseModel):
    objective: ObjectiveOut
    score: float | None
    band: Band | None
    health: Health | None = None
    flags: list[str]
    key_results: list[KeyResultOut]
    children: list[ScoredObjective]


class ScorecardOut(BaseModel):
    cycle: CycleOut
    score: float | None
    warnings: list[str]
    objectives: list[ScoredObjective]


class CloseIn(BaseModel):
    retrospectives: dict[RowRef, str] = Field(
        default_factory=dict, description="Objective id → a short retrospective."
    )


class CarryIn(BaseModel):
    to_cycle_id: RowRef
    objective_ids: list[RowRef] = Field(max_length=1000)


class TemplateKeyResultOut(BaseModel):
    title: str
    kr_type: KRType
    metric_key: str | None
    unit: str
    start: Decimal | None
    target: Decimal | None
    missing: str | None = Field(description="Why the shop's history cannot fill it in yet.")
    start_basis: str | None = Field(
        default=None, description="period_before, or recent_weeks scaled to the cycle's length."
    )
    target_rule: str | None = Field(
        default=None,
        description="good_score: today's pace is expected to score 0.7 at the target; step: it "
        "is expected to score less anywhere beyond the start, so the target is the template's "
        "step from the start; bound: the template's fixed bound (stay at or above, or at or "
        "below), scored as the share of days within it.",
    )
    chance: float | None = Field(
        default=None, description="The probability of reaching the target at today's pace."
    )
    pending: str | None = Field(
        default=None,
        description="Added without a value yet (a bound whose figures have not arrived): what "
        "will fill it in.",
    )


class TemplateOut(BaseModel):
    id: str
    kind: ObjectiveKind
    title: str
    description: str
    key_results: list[TemplateKeyResultOut]


class ApplyTemplatesIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"cycle_id": 1}, {"cycle_id": 1, "template_ids": ["aov"]}]}
    )
    cycle_id: RowRef
    template_ids: list[str] | None = Field(default=None, description="Left out: all of them.")


class BandsIn(BaseModel):
    """Where the green and yellow score bands start (red is below yellow)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"green_from": 0.7, "yellow_from": 0.4}]}
    )
    green_from: float = Field(gt=0, le=1)
    yellow_from: float = Field(ge=0, lt=1)


class BandsOut(BaseModel):
    green_from: float
    yellow_from: float
