"""Each shop's messaging settings (sender name, reply-to, frequency cap, quiet hours); the
unsubscribed addresses per mailing list (the shop's marketing, or its weekly digest), the rows
already there being the marketing list's.

Revision ID: e17b3e5a0002
Revises: d17e7c5e0001
Created: 2026-12-01 17:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import app.db

revision: str = "e17b3e5a0002"
down_revision: str | None = "d17e7c5e0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "messaging_settings",
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("sender_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("reply_to", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("frequency_cap_hours", sa.Integer(), nullable=False),
        sa.Column("quiet_hours", sa.Boolean(), nullable=False),
        sa.Column("quiet_start", sa.Time(), nullable=False),
        sa.Column("quiet_end", sa.Time(), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_messaging_settings_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", name=op.f("pk_messaging_settings")),
    )
    with op.batch_alter_table("marketing_unsubscribes") as batch:
        batch.add_column(
            sa.Column(
                "mailing_list",
                sa.Enum(
                    "marketing",
                    "digest",
                    name="mailinglist",
                    native_enum=False,
                    create_constraint=True,
                    length=16,
                ),
                server_default="marketing",
                nullable=False,
            )
        )
        batch.drop_constraint(
            op.f("uq_marketing_unsubscribes_shop_id_address_digest"), type_="unique"
        )
        batch.create_unique_constraint(
            op.f("uq_marketing_unsubscribes_shop_id_mailing_list_address_digest"),
            ["shop_id", "mailing_list", "address_digest"],
        )


def downgrade() -> None:
    # The digest's unsubscribes cannot be told from marketing ones without the column: they go.
    op.execute("DELETE FROM marketing_unsubscribes WHERE mailing_list <> 'marketing'")
    with op.batch_alter_table("marketing_unsubscribes") as batch:
        batch.drop_constraint(
            op.f("uq_marketing_unsubscribes_shop_id_mailing_list_address_digest"), type_="unique"
        )
        batch.create_unique_constraint(
            op.f("uq_marketing_unsubscribes_shop_id_address_digest"),
            ["shop_id", "address_digest"],
        )
        batch.drop_constraint(op.f("ck_marketing_unsubscribes_mailinglist"), type_="check")
        batch.drop_column("mailing_list")
    op.drop_table("messaging_settings")
