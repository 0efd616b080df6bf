"""When the hourly check last looked at a shop's webhooks on the store, and how many of ours it
had to put back (re-activated, created or deleted as duplicates): the Operations page says it.

Revision ID: f21d4e8c0001
Revises: f18a5c0e0001
Created: 2026-12-01 18:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "f21d4e8c0001"
down_revision: str | None = "f18a5c0e0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "shops", sa.Column("webhooks_checked_at", app.db.UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column("shops", sa.Column("webhooks_put_back", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("shops", "webhooks_put_back")
    op.drop_column("shops", "webhooks_checked_at")
