"""Alerts to the owner: the status each key result was last seen with, its last drop and the
week it was last e-mailed about; and the shop's choice to hear of drops by e-mail.

Revision ID: a22c4a1e0001
Revises: a22d7e3a0001
Created: 2026-12-01 19:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import app.db

revision: str = "a22c4a1e0001"
down_revision: str | None = "a22d7e3a0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "key_result_alerts",
        sa.Column("key_result_id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("health", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("seen_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("dropped_from", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("dropped_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("alerted_week", sa.Date(), nullable=True),
        sa.Column("alerted_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["key_result_id"],
            ["okr_key_results.id"],
            name=op.f("fk_key_result_alerts_key_result_id_okr_key_results"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_key_result_alerts_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key_result_id", name=op.f("pk_key_result_alerts")),
    )
    op.create_index(
        op.f("ix_key_result_alerts_shop_id"), "key_result_alerts", ["shop_id"], unique=False
    )
    op.add_column(
        "messaging_settings",
        sa.Column("owner_alerts", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    # The default fills the rows already there; new rows get the model's.
    with op.batch_alter_table("messaging_settings") as batch:
        batch.alter_column("owner_alerts", server_default=None)


def downgrade() -> None:
    op.drop_column("messaging_settings", "owner_alerts")
    op.drop_index(op.f("ix_key_result_alerts_shop_id"), table_name="key_result_alerts")
    op.drop_table("key_result_alerts")
