"""The initiatives' outcomes as metrics count them (one row per shop, kind and subject) and
their rollup by shop-local day; indexes by shop and moment for the message metrics, which count
the send log and the unsubscribed addresses directly.

Revision ID: d17e7c5e0001
Revises: c17a0b1c0001
Created: 2026-12-01 16:40:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import app.db

revision: str = "d17e7c5e0001"
down_revision: str | None = "c17a0b1c0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "initiative_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "recovered_checkout",
                "recovered_order",
                "reactivation",
                "redemption",
                name="outcomekind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=330), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("value", app.db.Money(precision=20, scale=6), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_initiative_outcomes_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiative_outcomes")),
        sa.UniqueConstraint(
            "shop_id", "kind", "subject", name=op.f("uq_initiative_outcomes_shop_id_kind_subject")
        ),
    )
    op.create_table(
        "initiative_outcome_rollups",
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("recovered_checkouts", sa.Integer(), nullable=False),
        sa.Column("recovered_revenue", app.db.Money(precision=20, scale=6), nullable=False),
        sa.Column("reactivated", sa.Integer(), nullable=False),
        sa.Column("redemptions", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_initiative_outcome_rollups_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "shop_id", "day", "slot", name=op.f("pk_initiative_outcome_rollups")
        ),
    )
    op.create_index("ix_marketing_sends_shop_id_sent_at", "marketing_sends", ["shop_id", "sent_at"])
    op.create_index(
        "ix_marketing_sends_shop_id_opened_at", "marketing_sends", ["shop_id", "opened_at"]
    )
    op.create_index(
        "ix_marketing_sends_shop_id_clicked_at", "marketing_sends", ["shop_id", "clicked_at"]
    )
    op.create_index(
        "ix_marketing_unsubscribes_shop_id_created_at",
        "marketing_unsubscribes",
        ["shop_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_marketing_unsubscribes_shop_id_created_at", table_name="marketing_unsubscribes"
    )
    op.drop_index("ix_marketing_sends_shop_id_clicked_at", table_name="marketing_sends")
    op.drop_index("ix_marketing_sends_shop_id_opened_at", table_name="marketing_sends")
    op.drop_index("ix_marketing_sends_shop_id_sent_at", table_name="marketing_sends")
    op.drop_table("initiative_outcome_rollups")
    op.drop_table("initiative_outcomes")
