"""The coaching library: playlists, their items (clips or whole meetings), comments.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _owners(prefix: str) -> list[sa.ForeignKeyConstraint]:
    """The tenant and account foreign keys every coaching table has (short names: the
    conventional ones pass PostgreSQL's 63 characters)."""
    return [
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=f"{prefix}_tenant", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["integrated_account_id"],
            ["integrated_accounts.id"],
            name=f"{prefix}_account",
            ondelete="CASCADE",
        ),
    ]


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "coaching_playlists",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("integrated_account_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner_app_user_id", sa.String(200), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        *_owners("fk_coaching_playlists"),
        sa.PrimaryKeyConstraint("id", name="pk_coaching_playlists"),
    )
    op.create_index(
        "ix_coaching_playlists_tenant_id_created_at",
        "coaching_playlists",
        ["tenant_id", "created_at", "id"],
    )
    op.create_index(
        "ix_coaching_playlists_integrated_account_id",
        "coaching_playlists",
        ["integrated_account_id"],
    )
    op.create_table(
        "coaching_playlist_items",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("playlist_id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("integrated_account_id", sa.String(36), nullable=False),
        sa.Column("meeting_id", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("start_time", sa.Float(), nullable=True),
        sa.Column("end_time", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.ForeignKeyConstraint(
            ["playlist_id"],
            ["coaching_playlists.id"],
            name="fk_coaching_items_playlist",
            ondelete="CASCADE",
        ),
        *_owners("fk_coaching_items"),
        sa.PrimaryKeyConstraint("id", name="pk_coaching_playlist_items"),
    )
    op.create_index(
        "ix_coaching_playlist_items_playlist_id_position",
        "coaching_playlist_items",
        ["playlist_id", "position"],
    )
    op.create_table(
        "coaching_comments",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("integrated_account_id", sa.String(36), nullable=False),
        sa.Column("meeting_id", sa.String(200), nullable=False),
        sa.Column("start_time", sa.Float(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_app_user_id", sa.String(200), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        *_owners("fk_coaching_comments"),
        sa.PrimaryKeyConstraint("id", name="pk_coaching_comments"),
    )
    op.create_index(
        "ix_coaching_comments_account_meeting_start",
        "coaching_comments",
        ["integrated_account_id", "meeting_id", "start_time"],
    )
    op.create_index("ix_coaching_comments_tenant_id", "coaching_comments", ["tenant_id"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_coaching_comments_tenant_id", table_name="coaching_comments")
    op.drop_index("ix_coaching_comments_account_meeting_start", table_name="coaching_comments")
    op.drop_table("coaching_comments")
    op.drop_index(
        "ix_coaching_playlist_items_playlist_id_position", table_name="coaching_playlist_items"
    )
    op.drop_table("coaching_playlist_items")
    op.drop_index("ix_coaching_playlists_integrated_account_id", table_name="coaching_playlists")
    op.drop_index("ix_coaching_playlists_tenant_id_created_at", table_name="coaching_playlists")
    op.drop_table("coaching_playlists")
