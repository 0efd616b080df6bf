"""Commerce mirror: orders, order lines, refunds, checkouts, customers; shop abandonment delay.

Revision ID: e26cc927dd9f
Revises: 1b3751445829
Created: 2026-11-23 12:53:46.644939+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import app.db

revision: str = "e26cc927dd9f"
down_revision: str | None = "1b3751445829"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checkouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("started_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("platform_updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("customer_key", sqlmodel.sql.sqltypes.AutoString(length=330), nullable=True),
        sa.Column("contact_given_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("total", app.db.Money(precision=20, scale=6), nullable=False),
        sa.Column("recovery_url", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=True),
        sa.Column("completed_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_by_order", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("abandoned_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recovered_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_checkouts_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkouts")),
        sa.UniqueConstraint("shop_id", "token", name=op.f("uq_checkouts_shop_id_token")),
    )
    op.create_index(
        "ix_checkouts_open",
        "checkouts",
        ["shop_id", "completed_at", "abandoned_at", "platform_updated_at"],
        unique=False,
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=330), nullable=False),
        sa.Column("platform_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("first_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("last_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("accepts_marketing", sa.Boolean(), nullable=False),
        sa.Column("first_order_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_order_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("orders_count", sa.Integer(), nullable=False),
        sa.Column("total_spent", app.db.Money(precision=20, scale=6), nullable=False),
        sa.Column("platform_updated_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_customers_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("shop_id", "key", name=op.f("uq_customers_shop_id_key")),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("placed_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("platform_updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "open",
                "cancelled",
                "pending",
                name="orderstate",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("test", sa.Boolean(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("gross", app.db.Money(precision=20, scale=6), nullable=False),
        sa.Column("discounts", app.db.Money(precision=20, scale=6), nullable=False),
        sa.Column("shipping", app.db.Money(precision=20, scale=6), nullable=False),
        sa.Column("tax", app.db.Money(precision=20, scale=6), nullable=False),
        sa.Column("total", app.db.Money(precision=20, scale=6), nullable=False),
        sa.Column("current_total", app.db.Money(precision=20, scale=6), nullable=False),
        sa.Column("customer_key", sqlmodel.sql.sqltypes.AutoString(length=330), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("checkout_token", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("landing_site", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=True),
        sa.Column("referrer", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=True),
        sa.Column("discount_codes", sqlmodel.sql.sqltypes.AutoString(length=1024), nullable=False),
        sa.Column("fulfilled_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_orders_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("shop_id", "platform_id", name=op.f("uq_orders_shop_id_platform_id")),
    )
    op.create_index(
        "ix_orders_shop_id_checkout_token", "orders", ["shop_id", "checkout_token"], unique=False
    )
    op.create_index(
        "ix_orders_shop_id_customer_key", "orders", ["shop_id", "customer_key"], unique=False
    )
    op.create_table(
        "refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("order_platform_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("refunded_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("amount", app.db.Money(precision=20, scale=6), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_refunds_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
        sa.UniqueConstraint("shop_id", "platform_id", name=op.f("uq_refunds_shop_id_platform_id")),
    )
    op.create_index(
        "ix_refunds_shop_id_order_platform_id",
        "refunds",
        ["shop_id", "order_platform_id"],
        unique=False,
    )
    op.create_table(
        "order_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("product_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("variant_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", app.db.Money(precision=20, scale=6), nullable=False),
        sa.Column("discount", app.db.Money(precision=20, scale=6), nullable=False),
        sa.Column("unit_cost", app.db.Money(precision=20, scale=6), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_lines_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_order_lines_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_lines")),
    )
    op.create_index(op.f("ix_order_lines_order_id"), "order_lines", ["order_id"], unique=False)
    op.add_column(
        "shops",
        sa.Column("abandonment_delay_minutes", sa.Integer(), nullable=False, server_default="60"),
    )
    # The default only fills existing rows; the model gives new rows theirs.
    with op.batch_alter_table("shops") as batch:
        batch.alter_column("abandonment_delay_minutes", server_default=None)


def downgrade() -> None:
    op.drop_column("shops", "abandonment_delay_minutes")
    op.drop_index(op.f("ix_order_lines_order_id"), table_name="order_lines")
    op.drop_table("order_lines")
    op.drop_index("ix_refunds_shop_id_order_platform_id", table_name="refunds")
    op.drop_table("refunds")
    op.drop_index("ix_orders_shop_id_customer_key", table_name="orders")
    op.drop_index("ix_orders_shop_id_checkout_token", table_name="orders")
    op.drop_table("orders")
    op.drop_table("customers")
    op.drop_index("ix_checkouts_open", table_name="checkouts")
    op.drop_table("checkouts")
