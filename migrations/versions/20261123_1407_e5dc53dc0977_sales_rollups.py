"""Sales rollups per shop-local day and slot; units on orders.

Revision ID: e5dc53dc0977
Revises: 162bd39e49a6
Created: 2026-11-23 14:07:32.453273+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "e5dc53dc0977"
down_revision: str | None = "162bd39e49a6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sales_rollups",
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("gross", app.db.Money(precision=20, scale=6), nullable=False),
        sa.Column("discounts", app.db.Money(precision=20, scale=6), nullable=False),
        sa.Column("returns", app.db.Money(precision=20, scale=6), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_sales_rollups_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", "day", "slot", name=op.f("pk_sales_rollups")),
    )
    op.add_column("orders", sa.Column("units", sa.Integer(), nullable=False, server_default="0"))
    # The default only fills existing rows (rebuild their figures with `storeokr metrics
    # rebuild`); new rows always carry their own count.
    with op.batch_alter_table("orders") as batch:
        batch.alter_column("units", server_default=None)


def downgrade() -> None:
    op.drop_column("orders", "units")
    op.drop_table("sales_rollups")
