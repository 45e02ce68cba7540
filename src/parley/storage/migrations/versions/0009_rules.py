"""Keyword rules and their snippets (insights.md §1).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _when(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "keyword_rules",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phrases", _JSON, nullable=False),
        sa.Column("account_id", sa.String(36), nullable=True),
        sa.Column("speaker_type", sa.String(16), nullable=False),
        sa.Column("context_seconds", sa.Float(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("notify_backfill", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        sa.Column("backfill_status", sa.String(16), nullable=False),
        sa.Column("backfill_meetings_scanned", sa.Integer(), nullable=False),
        sa.Column("backfill_snippets", sa.Integer(), nullable=False),
        sa.Column("backfill_position", _JSON, nullable=True),
        _when("backfill_started_at", nullable=True),
        _when("backfill_finished_at", nullable=True),
        sa.Column("backfill_error", _JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name="fk_keyword_rules_tenant_id_tenants",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["integrated_accounts.id"],
            name="fk_keyword_rules_account_id_integrated_accounts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_keyword_rules"),
    )
    op.create_index(
        "ix_keyword_rules_tenant_id_created_at", "keyword_rules", ["tenant_id", "created_at"]
    )
    op.create_index("ix_keyword_rules_account_id", "keyword_rules", ["account_id"])
    op.create_index("ix_keyword_rules_backfill_status", "keyword_rules", ["backfill_status"])
    op.create_table(
        "snippets",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("rule_id", sa.String(36), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("meeting_id", sa.String(200), nullable=False),
        _when("meeting_sort"),
        sa.Column("phrases", _JSON, nullable=False),
        sa.Column("entry_indexes", _JSON, nullable=False),
        sa.Column("speaker_name", sa.String(500), nullable=True),
        sa.Column("speaker_type", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=True),
        sa.Column("start_time", sa.Float(), nullable=False),
        sa.Column("end_time", sa.Float(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("highlight", sa.Text(), nullable=False),
        sa.Column("context", _JSON, nullable=False),
        _when("created_at"),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["keyword_rules.id"],
            name="fk_snippets_rule_id_keyword_rules",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "meeting_id"],
            ["meetings.account_id", "meetings.id"],
            name="fk_snippets_meeting",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_snippets"),
    )
    op.create_index(
        "ix_snippets_tenant_id_meeting_sort",
        "snippets",
        ["tenant_id", "meeting_sort", "meeting_id", "start_time", "id"],
    )
    op.create_index("ix_snippets_account_id_meeting_id", "snippets", ["account_id", "meeting_id"])
    op.create_index("ix_snippets_rule_id_meeting_sort", "snippets", ["rule_id", "meeting_sort"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("snippets")
    op.drop_table("keyword_rules")
