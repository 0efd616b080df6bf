"""Customer rollups per day and per previous day (prefix sums for ranges reaching the present).

Revision ID: 05f1e7d7b0eb
Revises: b6c42f678f32
Created: 2026-11-23 15:09:47.271573+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "05f1e7d7b0eb"
down_revision: str | None = "b6c42f678f32"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_day_rollups",
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("firsts", sa.Integer(), nullable=False),
        sa.Column("repeaters", sa.Integer(), nullable=False),
        sa.Column("same_day", sa.Integer(), nullable=False),
        sa.Column("same_day_seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_customer_day_rollups_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", "day", "slot", name=op.f("pk_customer_day_rollups")),
    )
    op.create_table(
        "customer_previous_rollups",
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("previous", sa.Date(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_customer_previous_rollups_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "shop_id", "previous", "slot", name=op.f("pk_customer_previous_rollups")
        ),
    )


def downgrade() -> None:
    op.drop_table("customer_previous_rollups")
    op.drop_table("customer_day_rollups")
