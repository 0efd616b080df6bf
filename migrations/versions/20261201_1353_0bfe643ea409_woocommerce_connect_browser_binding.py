"""WooCommerce connect: the return leg bound to the starting browser by a digest of its own
random value, consumed once; nonces indexed by expiry for the job that prunes them.

Revision ID: 0bfe643ea409
Revises: 01771420b875
Created: 2026-12-01 13:53:02.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import app.db

revision: str = "0bfe643ea409"
down_revision: str | None = "01771420b875"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "auth_nonces",
        sa.Column("browser_digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )
    op.add_column(
        "auth_nonces",
        sa.Column("returned_at", app.db.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index(op.f("ix_auth_nonces_expires_at"), "auth_nonces", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_auth_nonces_expires_at"), table_name="auth_nonces")
    op.drop_column("auth_nonces", "returned_at")
    op.drop_column("auth_nonces", "browser_digest")
