"""Store syncs: progress and position of reconciliation and backfill passes.

Revision ID: 162bd39e49a6
Revises: e26cc927dd9f
Created: 2026-11-23 13:13:53.241328+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import app.db

revision: str = "162bd39e49a6"
down_revision: str | None = "e26cc927dd9f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "store_syncs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "reconcile",
                "backfill",
                name="synckind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "running",
                "done",
                "failed",
                name="syncstatus",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("since", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resource", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("started_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_store_syncs_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_syncs")),
    )
    op.create_index(op.f("ix_store_syncs_shop_id"), "store_syncs", ["shop_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_store_syncs_shop_id"), table_name="store_syncs")
    op.drop_table("store_syncs")
