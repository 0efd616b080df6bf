"""Checkouts known only from an order placed with their token: `from_order` marks a checkout
the store has not reported itself (yet); a report of it later takes its place.

Revision ID: a23b0c5d0001
Revises: a22c4a1e0001
Created: 2026-12-01 20:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a23b0c5d0001"
down_revision: str | None = "a22c4a1e0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "checkouts",
        sa.Column("from_order", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    # The default fills the rows already there (all reported by their store); new rows get the
    # model's.
    with op.batch_alter_table("checkouts") as batch:
        batch.alter_column("from_order", server_default=None)


def downgrade() -> None:
    op.drop_column("checkouts", "from_order")
