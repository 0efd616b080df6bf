"""Customer and checkout rollups; lifetime, fulfilment and margin sums in the sales rollups.

Revision ID: b6c42f678f32
Revises: e5dc53dc0977
Created: 2026-11-23 14:36:09.482545+00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "b6c42f678f32"
down_revision: str | None = "e5dc53dc0977"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checkout_rollups",
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("started", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("abandoned", sa.Integer(), nullable=False),
        sa.Column("recovered", sa.Integer(), nullable=False),
        sa.Column("recovered_sales", app.db.Money(precision=20, scale=6), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_checkout_rollups_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", "day", "slot", name=op.f("pk_checkout_rollups")),
    )
    op.create_table(
        "customer_rollups",
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("previous", sa.Date(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("firsts", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("repeaters", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_customer_rollups_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "shop_id", "day", "previous", "slot", name=op.f("pk_customer_rollups")
        ),
    )
    op.add_column(
        "checkouts", sa.Column("order_value", app.db.Money(precision=20, scale=6), nullable=True)
    )
    money = app.db.Money(precision=20, scale=6)
    added: dict[str, list[tuple[str, Any]]] = {
        "orders": [("costed_sales", money), ("cost", money)],
        "sales_rollups": [
            ("customer_sales", money),
            ("customer_returns", money),
            ("fulfilled", sa.Integer()),
            ("fulfillment_seconds", sa.BigInteger()),
            ("costed_sales", money),
            ("cost", money),
        ],
    }
    # The default only fills existing rows (rebuild their figures with `storeokr metrics
    # rebuild`); new rows always carry their own values.
    for table, columns in added.items():
        for name, type_ in columns:
            op.add_column(table, sa.Column(name, type_, nullable=False, server_default="0"))
        with op.batch_alter_table(table) as batch:
            for name, _ in columns:
                batch.alter_column(name, server_default=None)


def downgrade() -> None:
    op.drop_column("sales_rollups", "cost")
    op.drop_column("sales_rollups", "costed_sales")
    op.drop_column("sales_rollups", "fulfillment_seconds")
    op.drop_column("sales_rollups", "fulfilled")
    op.drop_column("sales_rollups", "customer_returns")
    op.drop_column("sales_rollups", "customer_sales")
    op.drop_column("orders", "cost")
    op.drop_column("orders", "costed_sales")
    op.drop_column("checkouts", "order_value")
    op.drop_table("customer_rollups")
    op.drop_table("checkout_rollups")
