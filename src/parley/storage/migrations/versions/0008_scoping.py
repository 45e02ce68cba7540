"""App user mappings and `meetings.is_private` (scoped reads, insights.md §4).

`meetings.is_private` is filled from the stored conversation (`attributes.private`) of the
meetings synced before it existed, so a private meeting is private from the first scoped
read, not from its next sync.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BACKFILL = {
    "sqlite": (
        "UPDATE meetings SET is_private = 1 WHERE json_extract(data, "
        "'$.remote_data.conversation.attributes.private') IN (1, 'true', 'True', 'TRUE')"
    ),
    "postgresql": (
        "UPDATE meetings SET is_private = true WHERE lower(data #>> "
        "'{remote_data,conversation,attributes,private}') = 'true'"
    ),
}


def upgrade() -> None:
    """Apply this revision."""
    op.add_column(
        "meetings",
        sa.Column("is_private", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index(
        "ix_meetings_account_id_owner_user_id", "meetings", ["account_id", "owner_user_id"]
    )
    backfill = _BACKFILL.get(op.get_bind().dialect.name)
    if backfill is not None:
        op.execute(backfill)
    op.create_table(
        "user_mappings",
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("app_user_id", sa.String(200), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("provider_user_id", sa.String(200), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["integrated_accounts.id"],
            name="fk_user_mappings_account_id_integrated_accounts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "app_user_id", name="pk_user_mappings"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("user_mappings")
    op.drop_index("ix_meetings_account_id_owner_user_id", table_name="meetings")
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("is_private")
