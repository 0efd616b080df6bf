"""The inbox's waiting events by shop, oldest first: what the dispatcher reads many times a
second (a partial index: it holds only pending rows, so it stays small however many the inbox
has handled).

Revision ID: a22a1c0d0001
Revises: f19b2d7a0001
Created: 2026-12-01 19:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a22a1c0d0001"
down_revision: str | None = "f19b2d7a0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_index(
        "ix_webhook_events_waiting",
        "webhook_events",
        ["shop_id", "id"],
        postgresql_where=WAITING,
        sqlite_where=WAITING,
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_events_waiting", table_name="webhook_events")
