"""Which history a key result's automatic start was taken from (the period before its window,
or complete weeks scaled to its length), so the editor can say so.

Revision ID: a22d7e3a0001
Revises: a22a1c0d0001
Created: 2026-12-01 19:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "a22d7e3a0001"
down_revision: str | None = "a22a1c0d0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "okr_key_results",
        sa.Column("start_basis", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("okr_key_results", "start_basis")
