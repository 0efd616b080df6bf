"""OKR tables. Every row belongs to one shop; dates are shop-local."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import Money, UTCDateTime, utcnow
from app.okr.scoring import KRType
from app.shops.models import enum_column


class CycleStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ObjectiveKind(StrEnum):
    INCREASE_REVENUE = "increase_revenue"
    CUSTOMER_LOYALTY = "customer_loyalty"
    DECREASE_COSTS = "decrease_costs"
    OTHER = "other"


class Level(StrEnum):
    COMPANY = "company"
    TEAM = "team"
    INDIVIDUAL = "individual"


class Source(StrEnum):
    METRIC = "metric"  # a catalogue metric, computed live
    MANUAL = "manual"  # moved by check-ins


class Window(StrEnum):
    CYCLE = "cycle"  # the cycle's dates, up to today
    RANGE = "range"  # a stated sub-range of the cycle
    ROLLING = "rolling"  # the N days ending yesterday


class Cycle(SQLModel, table=True):
    __tablename__ = "okr_cycles"

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=120)
    start: date
    end: date
    status: CycleStatus = Field(default=CycleStatus.OPEN, sa_column=enum_column(CycleStatus))
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Objective(SQLModel, table=True):
    __tablename__ = "okr_objectives"

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", index=True)
    cycle_id: int = Field(foreign_key="okr_cycles.id", ondelete="CASCADE", index=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    kind: ObjectiveKind = Field(sa_column=enum_column(ObjectiveKind))
    level: Level = Field(default=Level.COMPANY, sa_column=enum_column(Level))
    owner_name: str = Field(default="", max_length=120)
    owner_email: str | None = Field(default=None, max_length=320)
    team: str = Field(default="", max_length=120)
    parent_id: int | None = Field(
        default=None, foreign_key="okr_objectives.id", ondelete="SET NULL"
    )
    weight: float = 1.0
    position: int = 0
    retrospective: str = Field(default="", max_length=4000)
    final_score: float | None = None
    carried_from_id: int | None = Field(
        default=None, foreign_key="okr_objectives.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class KeyResult(SQLModel, table=True):
    __tablename__ = "okr_key_results"

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", index=True)
    objective_id: int = Field(foreign_key="okr_objectives.id", ondelete="CASCADE", index=True)
    title: str = Field(max_length=200)
    source: Source = Field(sa_column=enum_column(Source))
    metric_key: str | None = Field(default=None, max_length=64)
    window: Window = Field(default=Window.CYCLE, sa_column=enum_column(Window))
    window_start: date | None = None
    window_end: date | None = None
    rolling_days: int | None = None
    kr_type: KRType = Field(sa_column=enum_column(KRType))
    start_value: Decimal | None = Field(default=None, sa_type=Money)
    start_is_auto: bool = False  # the start was taken from the store's history
    # Which history (`baselines.StartBasis`): the period before, or complete weeks scaled.
    start_basis: str | None = Field(default=None, max_length=16)
    target: Decimal | None = Field(default=None, sa_type=Money)
    stretch_target: Decimal | None = Field(default=None, sa_type=Money)
    weight: float = 1.0
    owner_name: str = Field(default="", max_length=120)
    owner_email: str | None = Field(default=None, max_length=320)
    unit: str = Field(default="", max_length=32)  # for manual key results: "%", "ms", …
    done: bool = False  # milestones
    position: int = 0
    final_value: Decimal | None = Field(default=None, sa_type=Money)
    final_score: float | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CheckIn(SQLModel, table=True):
    __tablename__ = "okr_check_ins"
    __table_args__ = (UniqueConstraint("key_result_id", "snapshot_day"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", index=True)
    key_result_id: int = Field(foreign_key="okr_key_results.id", ondelete="CASCADE", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    value: Decimal | None = Field(default=None, sa_type=Money)
    score: float | None = None
    confidence: int | None = None  # 1–10: how sure the owner is of reaching the target
    comment: str = Field(default="", max_length=2000)
    author: str = Field(default="", max_length=120)
    # Set for the daily automatic snapshot of a metric key result (one per day).
    snapshot_day: date | None = None


class OkrSettings(SQLModel, table=True):
    __tablename__ = "okr_settings"

    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", primary_key=True)
    green_from: float = 0.7
    yellow_from: float = 0.4
