"""Shared rate budgets learn which 429s are about the rate: refusals, peak, suspicion, noise.

`rate_budgets` gains what `PostgresRateLimiter` needs to classify a 429 like the in-memory
limiter (`http/refusals.py`): refusals in the current and previous one-window buckets, the
most requests accepted in one window lately (`peak`, since `peak_at`), the open suspicion
(`suspects` until `suspect_until`, opened at `suspect_level` accepted requests) and the
long-run share of sporadic 429s (`noise`).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    ("window_refused", sa.Integer(), "0"),
    ("previous_refused", sa.Integer(), "0"),
    ("peak", sa.Float(), "0"),
    ("peak_at", sa.Float(), "0"),
    ("suspects", sa.Integer(), "0"),
    ("suspect_until", sa.Float(), "0"),
    ("suspect_level", sa.Float(), "0"),
    ("noise", sa.Float(), "0"),
)


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("rate_budgets") as batch:
        for name, type_, default in _COLUMNS:
            batch.add_column(
                sa.Column(name, type_, nullable=False, server_default=sa.text(default))
            )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("rate_budgets") as batch:
        for name, _, _ in reversed(_COLUMNS):
            batch.drop_column(name)
