"""SQLite: the store writer fills the transcript search index per page, not a row trigger.

The `transcript_entries_ai` trigger indexed one entry per statement; the writer now runs one
`INSERT INTO transcript_fts … SELECT` per page of meetings (`storage.fulltext.index_entries`),
about three times less work for SQLite. The delete and update triggers stay. PostgreSQL keeps
its generated `text_tsv` column: nothing changes there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS transcript_entries_ai")


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER transcript_entries_ai AFTER INSERT ON transcript_entries BEGIN "
            "INSERT INTO transcript_fts(rowid, text) VALUES (new.id, new.text); END"
        )
