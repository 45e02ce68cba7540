"""Per-API-key request budgets of Parley's own API, shared by every process (scale mode).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "api_rate_limits",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("tat", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_api_rate_limits"),
    )
    op.create_index("ix_api_rate_limits_tat", "api_rate_limits", ["tat"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_api_rate_limits_tat", table_name="api_rate_limits")
    op.drop_table("api_rate_limits")
