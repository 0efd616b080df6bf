"""The send log records a message's first open (its pixel) and first click (a signed redirect);
a recovery says how it was attributed to its initiative: through our link, or within the
attribution window after a message.

Revision ID: c17a0b1c0001
Revises: b17a5e1f0001
Created: 2026-12-01 16:20:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import app.db

revision: str = "c17a0b1c0001"
down_revision: str | None = "b17a5e1f0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("marketing_sends") as batch:
        batch.add_column(sa.Column("opened_at", app.db.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("clicked_at", app.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("recovery_enrollments") as batch:
        batch.add_column(
            sa.Column("attributed_by", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("recovery_enrollments") as batch:
        batch.drop_column("attributed_by")
    with op.batch_alter_table("marketing_sends") as batch:
        batch.drop_column("clicked_at")
        batch.drop_column("opened_at")
