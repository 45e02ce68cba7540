"""Shared rate budgets and, on PostgreSQL, procrastinate's job queue schema (scale mode).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.util import await_only

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _procrastinate_schema() -> None:
    """procrastinate's tables and functions, once (its schema.sql is not idempotent)."""
    bind = op.get_bind()
    present = bind.execute(sa.text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL"))
    if present.scalar():
        return
    # Imported here: SQLite installs never need the queue library's SQL.
    from procrastinate.schema import SchemaManager

    # schema.sql holds many statements (PL/pgSQL bodies included): asyncpg's simple query
    # protocol runs them as one script inside this migration's transaction.
    driver = bind.connection.driver_connection
    assert driver is not None
    await_only(driver.execute(SchemaManager.get_schema()))


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "rate_budgets",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("ceiling", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("next_at", sa.Float(), nullable=False),
        sa.Column("paused_until", sa.Float(), nullable=False),
        sa.Column("limited_at", sa.Float(), nullable=False),
        sa.Column("window_start", sa.Float(), nullable=False),
        sa.Column("window_sends", sa.Integer(), nullable=False),
        sa.Column("previous_sends", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_rate_budgets"),
    )
    if op.get_bind().dialect.name == "postgresql":
        _procrastinate_schema()


def downgrade() -> None:
    """Revert this revision (procrastinate's schema stays: it may hold jobs worth keeping)."""
    op.drop_table("rate_budgets")
