"""The experiment's one table: which group each customer was placed in, and when.

A row is written the moment a customer becomes eligible for an initiative with an experiment
(a checkout enrolled, a lapsed customer found, an order invited to a survey) — holdout members
too, who receive nothing: without their row there would be nothing to compare with. The first
row of a customer wins (unique per initiative and customer), so the group is sticky even if the
merchant changes the split later, and the outcome is counted from `assigned_at`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime


class ExperimentAssignment(SQLModel, table=True):
    __tablename__ = "experiment_assignments"
    __table_args__ = (
        UniqueConstraint("initiative_id", "customer_key"),
        Index("ix_experiment_assignments_shop_id_customer_key", "shop_id", "customer_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE")
    initiative_id: int = Field(foreign_key="initiatives.id", ondelete="CASCADE")
    # The customer's key as the mirror has it (`email:<address>` for a guest), or
    # `checkout:<token>` for a recovery whose checkout names no one.
    customer_key: str = Field(max_length=330)
    group: str = Field(max_length=32)  # a variant's key, `treated`, or `holdout`
    assigned_at: datetime = Field(sa_type=UTCDateTime)
