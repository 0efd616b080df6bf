"""Surveys: one invitation per survey and order (the e-mail's step, swept like the other
initiatives' enrollments), one response per survey and order (customer link, answers, free
text), and the scores the survey metrics count by shop-local day (no customer named).

Revision ID: f18a5c0e0001
Revises: e17b3e5a0002
Created: 2026-12-01 17:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import app.db

revision: str = "f18a5c0e0001"
down_revision: str | None = "e17b3e5a0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "survey_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("nps", sa.Integer(), nullable=True),
        sa.Column("ces", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_survey_scores_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_scores")),
        sa.UniqueConstraint(
            "shop_id", "response_id", name=op.f("uq_survey_scores_shop_id_response_id")
        ),
    )
    op.create_index(
        "ix_survey_scores_shop_id_day", "survey_scores", ["shop_id", "day"], unique=False
    )
    op.create_table(
        "survey_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("customer_key", sqlmodel.sql.sqltypes.AutoString(length=330), nullable=False),
        sa.Column("order_platform_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("ordered_at", app.db.UTCDateTime(timezone=True), nullable=False),
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
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name=op.f("fk_survey_invitations_initiative_id_initiatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_survey_invitations_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_invitations")),
        sa.UniqueConstraint(
            "initiative_id",
            "order_platform_id",
            name=op.f("uq_survey_invitations_initiative_id_order_platform_id"),
        ),
    )
    op.create_index(
        "ix_survey_invitations_shop_id_customer_key",
        "survey_invitations",
        ["shop_id", "customer_key"],
        unique=False,
    )
    op.create_index(
        "ix_survey_invitations_status_next_due_at",
        "survey_invitations",
        ["status", "next_due_at"],
        unique=False,
    )
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("order_platform_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("customer_key", sqlmodel.sql.sqltypes.AutoString(length=330), nullable=True),
        sa.Column(
            "channel",
            sa.Enum(
                "email",
                "widget",
                name="channel",
                native_enum=False,
                create_constraint=True,
                length=8,
            ),
            nullable=False,
        ),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("nps", sa.Integer(), nullable=True),
        sa.Column("ces", sa.Integer(), nullable=True),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("comments", sa.JSON(), nullable=False),
        sa.Column("answered_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name=op.f("fk_survey_responses_initiative_id_initiatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["survey_invitations.id"],
            name=op.f("fk_survey_responses_invitation_id_survey_invitations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_survey_responses_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint(
            "initiative_id",
            "order_platform_id",
            name=op.f("uq_survey_responses_initiative_id_order_platform_id"),
        ),
    )
    op.create_index(
        "ix_survey_responses_shop_id_answered_at",
        "survey_responses",
        ["shop_id", "answered_at"],
        unique=False,
    )
    op.create_index(
        "ix_survey_responses_shop_id_customer_key",
        "survey_responses",
        ["shop_id", "customer_key"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_survey_responses_shop_id_customer_key", table_name="survey_responses")
    op.drop_index("ix_survey_responses_shop_id_answered_at", table_name="survey_responses")
    op.drop_table("survey_responses")
    op.drop_index("ix_survey_invitations_status_next_due_at", table_name="survey_invitations")
    op.drop_index("ix_survey_invitations_shop_id_customer_key", table_name="survey_invitations")
    op.drop_table("survey_invitations")
    op.drop_index("ix_survey_scores_shop_id_day", table_name="survey_scores")
    op.drop_table("survey_scores")
