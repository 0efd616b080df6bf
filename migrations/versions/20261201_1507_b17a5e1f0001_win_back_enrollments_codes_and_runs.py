"""Win-back: enrollments (one per initiative, customer and lapse), their single-use discount
codes (written before the store creates them, confirmed after) and the daily runs (one per
initiative and shop-local day, with the lapse threshold used).

Revision ID: b17a5e1f0001
Revises: ea3f6dd59be7
Created: 2026-12-01 15:07:48.987124+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import app.db

revision: str = "b17a5e1f0001"
down_revision: str | None = "ea3f6dd59be7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "win_back_enrollments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("customer_key", sqlmodel.sql.sqltypes.AutoString(length=330), nullable=False),
        sa.Column("lapsed_since", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("threshold_days", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "finished",
                "converted",
                "stopped",
                "cancelled",
                name="enrollmentstatus",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("next_step", sa.Integer(), nullable=False),
        sa.Column("next_due_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_message_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_message_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("reactivated_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "reactivated_by_order", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True
        ),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name=op.f("fk_win_back_enrollments_initiative_id_initiatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_win_back_enrollments_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_win_back_enrollments")),
        sa.UniqueConstraint(
            "initiative_id",
            "customer_key",
            "lapsed_since",
            name=op.f("uq_win_back_enrollments_initiative_id_customer_key_lapsed_since"),
        ),
    )
    op.create_index(
        "ix_win_back_enrollments_shop_id_customer_key",
        "win_back_enrollments",
        ["shop_id", "customer_key"],
        unique=False,
    )
    op.create_index(
        "ix_win_back_enrollments_status_next_due_at",
        "win_back_enrollments",
        ["status", "next_due_at"],
        unique=False,
    )
    op.create_table(
        "win_back_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("local_day", sa.Date(), nullable=False),
        sa.Column("threshold_days", sa.Integer(), nullable=False),
        sa.Column("threshold_derived", sa.Boolean(), nullable=False),
        sa.Column("history_gaps", sa.Integer(), nullable=False),
        sa.Column("enrolled", sa.Integer(), nullable=False),
        sa.Column("at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name=op.f("fk_win_back_runs_initiative_id_initiatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_win_back_runs_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_win_back_runs")),
        sa.UniqueConstraint(
            "initiative_id", "local_day", name=op.f("uq_win_back_runs_initiative_id_local_day")
        ),
    )
    op.create_index(op.f("ix_win_back_runs_shop_id"), "win_back_runs", ["shop_id"], unique=False)
    op.create_table(
        "win_back_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("value", app.db.Money(precision=20, scale=6), nullable=False),
        sa.Column("expires_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("platform_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("redeemed_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("redeemed_by_order", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["win_back_enrollments.id"],
            name=op.f("fk_win_back_codes_enrollment_id_win_back_enrollments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_win_back_codes_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_win_back_codes")),
        sa.UniqueConstraint("enrollment_id", name=op.f("uq_win_back_codes_enrollment_id")),
        sa.UniqueConstraint("shop_id", "code", name=op.f("uq_win_back_codes_shop_id_code")),
    )


def downgrade() -> None:
    op.drop_table("win_back_codes")
    op.drop_index(op.f("ix_win_back_runs_shop_id"), table_name="win_back_runs")
    op.drop_table("win_back_runs")
    op.drop_index("ix_win_back_enrollments_status_next_due_at", table_name="win_back_enrollments")
    op.drop_index("ix_win_back_enrollments_shop_id_customer_key", table_name="win_back_enrollments")
    op.drop_table("win_back_enrollments")
