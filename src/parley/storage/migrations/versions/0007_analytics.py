"""Team analytics inputs: `meeting_stats` and `meeting_topics`, derived from the synced copy.

The tables start empty: meetings stored before this revision get their rows from the
analytics backfill (`insights.analytics.TeamAnalytics.backfill`), which the first analytics
read of an account runs once per process.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_SUMMED = ["start_time", "duration", "owner_talk", "guest_talk", "total_talk", "longest_monologue"]


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "meeting_stats",
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("meeting_id", sa.String(200), nullable=False),
        sa.Column("owner_user_id", sa.String(200), nullable=True),
        sa.Column("owner_name", sa.String(500), nullable=True),
        _when("start_time"),
        sa.Column("week", sa.String(10), nullable=True),
        sa.Column("duration", sa.Float(), nullable=False),
        sa.Column("owner_talk", sa.Float(), nullable=False),
        sa.Column("guest_talk", sa.Float(), nullable=False),
        sa.Column("total_talk", sa.Float(), nullable=False),
        sa.Column("longest_monologue", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id", "meeting_id"],
            ["meetings.account_id", "meetings.id"],
            name="fk_meeting_stats_meeting",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "meeting_id", name="pk_meeting_stats"),
    )
    # Covering indexes: a report reads one of them alone, already in its group order.
    op.create_index(
        "ix_meeting_stats_owner",
        "meeting_stats",
        ["account_id", "owner_user_id", *_SUMMED, "owner_name"],
    )
    op.create_index("ix_meeting_stats_week", "meeting_stats", ["account_id", "week", *_SUMMED])
    op.create_table(
        "meeting_topics",
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("meeting_id", sa.String(200), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("owner_user_id", sa.String(200), nullable=True),
        _when("start_time"),
        sa.Column("week", sa.String(10), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id", "meeting_id"],
            ["meeting_stats.account_id", "meeting_stats.meeting_id"],
            name="fk_meeting_topics_meeting_stats",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "meeting_id", "name", name="pk_meeting_topics"),
    )
    for key in ("owner_user_id", "week"):
        op.create_index(
            f"ix_meeting_topics_{key.removesuffix('_user_id')}",
            "meeting_topics",
            ["account_id", key, "name", "start_time", "mentions"],
        )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("meeting_topics")
    op.drop_table("meeting_stats")
