"""Experiments: the group each eligible customer of an initiative was placed in (a variant, or
the holdout that receives nothing), written once, when they became eligible.

Revision ID: f19b2d7a0001
Revises: f21d4e8c0001
Created: 2026-12-01 18:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import app.db

revision: str = "f19b2d7a0001"
down_revision: str | None = "f21d4e8c0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "experiment_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("customer_key", sqlmodel.sql.sqltypes.AutoString(length=330), nullable=False),
        sa.Column("group", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("assigned_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name=op.f("fk_experiment_assignments_initiative_id_initiatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_experiment_assignments_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiment_assignments")),
        sa.UniqueConstraint(
            "initiative_id",
            "customer_key",
            name=op.f("uq_experiment_assignments_initiative_id_customer_key"),
        ),
    )
    op.create_index(
        "ix_experiment_assignments_shop_id_customer_key",
        "experiment_assignments",
        ["shop_id", "customer_key"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        "ix_experiment_assignments_shop_id_customer_key", table_name="experiment_assignments"
    )
    op.drop_table("experiment_assignments")
