"""OKRs: cycles, objectives, key results, check-ins and per-shop score bands.

Revision ID: 4235046057a1
Revises: 05f1e7d7b0eb
Created: 2026-11-23 15:31:19.630475+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import app.db

revision: str = "4235046057a1"
down_revision: str | None = "05f1e7d7b0eb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "okr_cycles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "closed",
                name="cyclestatus",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("closed_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_okr_cycles_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_okr_cycles")),
    )
    op.create_index(op.f("ix_okr_cycles_shop_id"), "okr_cycles", ["shop_id"], unique=False)
    op.create_table(
        "okr_settings",
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("green_from", sa.Float(), nullable=False),
        sa.Column("yellow_from", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_okr_settings_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", name=op.f("pk_okr_settings")),
    )
    op.create_table(
        "okr_objectives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "increase_revenue",
                "customer_loyalty",
                "decrease_costs",
                "other",
                name="objectivekind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "level",
            sa.Enum(
                "company",
                "team",
                "individual",
                name="level",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("owner_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("owner_email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("team", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retrospective", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("final_score", sa.Float(), nullable=True),
        sa.Column("carried_from_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["carried_from_id"],
            ["okr_objectives.id"],
            name=op.f("fk_okr_objectives_carried_from_id_okr_objectives"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["okr_cycles.id"],
            name=op.f("fk_okr_objectives_cycle_id_okr_cycles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["okr_objectives.id"],
            name=op.f("fk_okr_objectives_parent_id_okr_objectives"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_okr_objectives_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_okr_objectives")),
    )
    op.create_index(
        op.f("ix_okr_objectives_cycle_id"), "okr_objectives", ["cycle_id"], unique=False
    )
    op.create_index(op.f("ix_okr_objectives_shop_id"), "okr_objectives", ["shop_id"], unique=False)
    op.create_table(
        "okr_key_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("objective_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "metric",
                "manual",
                name="source",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("metric_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column(
            "window",
            sa.Enum(
                "cycle",
                "range",
                "rolling",
                name="window",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("window_start", sa.Date(), nullable=True),
        sa.Column("window_end", sa.Date(), nullable=True),
        sa.Column("rolling_days", sa.Integer(), nullable=True),
        sa.Column(
            "kr_type",
            sa.Enum(
                "increase_to",
                "decrease_to",
                "stay_above",
                "stay_below",
                "milestone",
                name="krtype",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("start_value", app.db.Money(precision=20, scale=6), nullable=True),
        sa.Column("start_is_auto", sa.Boolean(), nullable=False),
        sa.Column("target", app.db.Money(precision=20, scale=6), nullable=True),
        sa.Column("stretch_target", app.db.Money(precision=20, scale=6), nullable=True),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("owner_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("owner_email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("final_value", app.db.Money(precision=20, scale=6), nullable=True),
        sa.Column("final_score", sa.Float(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["objective_id"],
            ["okr_objectives.id"],
            name=op.f("fk_okr_key_results_objective_id_okr_objectives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_okr_key_results_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_okr_key_results")),
    )
    op.create_index(
        op.f("ix_okr_key_results_objective_id"), "okr_key_results", ["objective_id"], unique=False
    )
    op.create_index(
        op.f("ix_okr_key_results_shop_id"), "okr_key_results", ["shop_id"], unique=False
    )
    op.create_table(
        "okr_check_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("key_result_id", sa.Integer(), nullable=False),
        sa.Column("at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("value", app.db.Money(precision=20, scale=6), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("confidence", sa.Integer(), nullable=True),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("snapshot_day", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["key_result_id"],
            ["okr_key_results.id"],
            name=op.f("fk_okr_check_ins_key_result_id_okr_key_results"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_okr_check_ins_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_okr_check_ins")),
        sa.UniqueConstraint(
            "key_result_id",
            "snapshot_day",
            name=op.f("uq_okr_check_ins_key_result_id_snapshot_day"),
        ),
    )
    op.create_index(
        op.f("ix_okr_check_ins_key_result_id"), "okr_check_ins", ["key_result_id"], unique=False
    )
    op.create_index(op.f("ix_okr_check_ins_shop_id"), "okr_check_ins", ["shop_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_okr_check_ins_shop_id"), table_name="okr_check_ins")
    op.drop_index(op.f("ix_okr_check_ins_key_result_id"), table_name="okr_check_ins")
    op.drop_table("okr_check_ins")
    op.drop_index(op.f("ix_okr_key_results_shop_id"), table_name="okr_key_results")
    op.drop_index(op.f("ix_okr_key_results_objective_id"), table_name="okr_key_results")
    op.drop_table("okr_key_results")
    op.drop_index(op.f("ix_okr_objectives_shop_id"), table_name="okr_objectives")
    op.drop_index(op.f("ix_okr_objectives_cycle_id"), table_name="okr_objectives")
    op.drop_table("okr_objectives")
    op.drop_table("okr_settings")
    op.drop_index(op.f("ix_okr_cycles_shop_id"), table_name="okr_cycles")
    op.drop_table("okr_cycles")
