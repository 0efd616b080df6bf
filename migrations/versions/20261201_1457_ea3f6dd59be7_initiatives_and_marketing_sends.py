"""Initiatives (their key results, audit and abandoned-checkout enrollments), the marketing
send log and unsubscribed addresses; checkouts keep their cart lines, the shopper's first name
and the checkout's own marketing consent for recovery e-mails.

Revision ID: ea3f6dd59be7
Revises: 0bfe643ea409
Created: 2026-12-01 14:57:03.340985+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import app.db

revision: str = "ea3f6dd59be7"
down_revision: str | None = "0bfe643ea409"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "initiatives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "abandoned_checkout",
                "win_back",
                "survey",
                "manual",
                name="initiativetype",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "active",
                "paused",
                "ended",
                name="initiativestatus",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column("holdout_share", sa.Float(), nullable=False),
        sa.Column("activated_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_initiatives_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiatives")),
    )
    op.create_index(op.f("ix_initiatives_shop_id"), "initiatives", ["shop_id"], unique=False)
    op.create_table(
        "marketing_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=330), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("address_digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "sending",
                "sent",
                "skipped",
                "deferred",
                "failed",
                name="sendstatus",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("deferred_until", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_marketing_sends_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketing_sends")),
        sa.UniqueConstraint(
            "shop_id",
            "initiative_id",
            "subject",
            "step",
            name=op.f("uq_marketing_sends_shop_id_initiative_id_subject_step"),
        ),
    )
    op.create_index(
        "ix_marketing_sends_shop_id_address_digest",
        "marketing_sends",
        ["shop_id", "address_digest", "sent_at"],
        unique=False,
    )
    op.create_table(
        "marketing_unsubscribes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("address_digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_marketing_unsubscribes_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketing_unsubscribes")),
        sa.UniqueConstraint(
            "shop_id",
            "address_digest",
            name=op.f("uq_marketing_unsubscribes_shop_id_address_digest"),
        ),
    )
    op.create_table(
        "initiative_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name=op.f("fk_initiative_audit_initiative_id_initiatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_initiative_audit_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiative_audit")),
    )
    op.create_index(
        op.f("ix_initiative_audit_initiative_id"),
        "initiative_audit",
        ["initiative_id"],
        unique=False,
    )
    op.create_table(
        "recovery_enrollments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("checkout_token", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("customer_key", sqlmodel.sql.sqltypes.AutoString(length=330), nullable=True),
        sa.Column("abandoned_at", app.db.UTCDateTime(timezone=True), nullable=False),
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
        sa.Column("last_message_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("converted_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("converted_by_order", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("attributed", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name=op.f("fk_recovery_enrollments_initiative_id_initiatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_recovery_enrollments_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_enrollments")),
        sa.UniqueConstraint(
            "initiative_id",
            "checkout_token",
            name=op.f("uq_recovery_enrollments_initiative_id_checkout_token"),
        ),
    )
    op.create_index(
        op.f("ix_recovery_enrollments_shop_id"), "recovery_enrollments", ["shop_id"], unique=False
    )
    op.create_index(
        "ix_recovery_enrollments_status_next_due_at",
        "recovery_enrollments",
        ["status", "next_due_at"],
        unique=False,
    )
    op.create_table(
        "initiative_key_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("key_result_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name=op.f("fk_initiative_key_results_initiative_id_initiatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["key_result_id"],
            ["okr_key_results.id"],
            name=op.f("fk_initiative_key_results_key_result_id_okr_key_results"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_initiative_key_results_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiative_key_results")),
        sa.UniqueConstraint(
            "initiative_id",
            "key_result_id",
            name=op.f("uq_initiative_key_results_initiative_id_key_result_id"),
        ),
    )
    op.create_index(
        op.f("ix_initiative_key_results_key_result_id"),
        "initiative_key_results",
        ["key_result_id"],
        unique=False,
    )
    op.add_column("checkouts", sa.Column("lines", sa.JSON(), nullable=True))
    op.add_column(
        "checkouts",
        sa.Column("first_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    )
    op.add_column("checkouts", sa.Column("accepts_marketing", sa.Boolean(), nullable=True))


def downgrade() -> None:
    op.drop_column("checkouts", "accepts_marketing")
    op.drop_column("checkouts", "first_name")
    op.drop_column("checkouts", "lines")
    op.drop_index(
        op.f("ix_initiative_key_results_key_result_id"), table_name="initiative_key_results"
    )
    op.drop_table("initiative_key_results")
    op.drop_index("ix_recovery_enrollments_status_next_due_at", table_name="recovery_enrollments")
    op.drop_index(op.f("ix_recovery_enrollments_shop_id"), table_name="recovery_enrollments")
    op.drop_table("recovery_enrollments")
    op.drop_index(op.f("ix_initiative_audit_initiative_id"), table_name="initiative_audit")
    op.drop_table("initiative_audit")
    op.drop_table("marketing_unsubscribes")
    op.drop_index("ix_marketing_sends_shop_id_address_digest", table_name="marketing_sends")
    op.drop_table("marketing_sends")
    op.drop_index(op.f("ix_initiatives_shop_id"), table_name="initiatives")
    op.drop_table("initiatives")
