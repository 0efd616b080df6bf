"""Store connections: granted scopes, encrypted credentials and webhook secrets, one-time nonces.

Revision ID: 459655b6fe5b
Revises: d94cc6225af1
Created: 2026-11-23 12:32:39.109672+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import app.db

revision: str = "459655b6fe5b"
down_revision: str | None = "d94cc6225af1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auth_nonces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "shopify_oauth",
                "woo_connect",
                "login_link",
                name="noncepurpose",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("domain", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_auth_nonces_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_nonces")),
        sa.UniqueConstraint("digest", name=op.f("uq_auth_nonces_digest")),
    )
    op.create_index(op.f("ix_auth_nonces_shop_id"), "auth_nonces", ["shop_id"], unique=False)
    op.add_column(
        "shops", sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True)
    )
    op.add_column(
        "shops",
        sa.Column(
            "scopes",
            sqlmodel.sql.sqltypes.AutoString(length=1024),
            server_default="",
            nullable=False,
        ),
    )
    # The default only fills existing rows; new rows always name their scopes.
    with op.batch_alter_table("shops") as batch:
        batch.alter_column("scopes", server_default=None)
    op.add_column("shops", sa.Column("credentials_ciphertext", sa.Text(), nullable=True))
    op.add_column("shops", sa.Column("webhook_secret_ciphertext", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("shops", "webhook_secret_ciphertext")
    op.drop_column("shops", "credentials_ciphertext")
    op.drop_column("shops", "scopes")
    op.drop_column("shops", "email")
    op.drop_index(op.f("ix_auth_nonces_shop_id"), table_name="auth_nonces")
    op.drop_table("auth_nonces")
