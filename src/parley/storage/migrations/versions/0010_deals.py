"""Deal risk: deals per CRM opportunity, the meetings of each, tenants' risk settings.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
# The head this branch was cut from (0005, API rate limits); re-chained at merge.
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_ACCOUNTS = "integrated_accounts.id"


def _when(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _account_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["account_id"],
        [_ACCOUNTS],
        name=f"fk_{table}_account_id_integrated_accounts",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "deals",
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("opportunity_id", sa.String(200), nullable=False),
        sa.Column("name", sa.String(1000), nullable=True),
        sa.Column("account_name", sa.String(1000), nullable=True),
        sa.Column("stage", sa.String(200), nullable=True),
        sa.Column("meeting_count", sa.Integer(), nullable=False),
        _when("first_meeting_at", nullable=True),
        _when("last_meeting_at", nullable=True),
        sa.Column("customer_emails", _JSON, nullable=False),
        sa.Column("risk", _JSON, nullable=False),
        sa.Column("base_score", sa.Integer(), nullable=False),
        _when("stall_at", nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("last_raised_level", sa.String(16), nullable=True),
        _when("computed_at"),
        _account_fk("deals"),
        sa.PrimaryKeyConstraint("account_id", "opportunity_id", name="pk_deals"),
    )
    op.create_index(
        "ix_deals_account_id_last_meeting_at", "deals", ["account_id", "last_meeting_at"]
    )
    op.create_index("ix_deals_stall_at", "deals", ["stall_at"])
    op.create_table(
        "deal_meetings",
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("meeting_id", sa.String(200), nullable=False),
        sa.Column("opportunity_id", sa.String(200), nullable=False),
        _account_fk("deal_meetings"),
        sa.PrimaryKeyConstraint("account_id", "meeting_id", name="pk_deal_meetings"),
    )
    op.create_index(
        "ix_deal_meetings_account_id_opportunity_id",
        "deal_meetings",
        ["account_id", "opportunity_id"],
    )
    op.create_table(
        "risk_settings",
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("settings", _JSON, nullable=False),
        _when("updated_at"),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name="fk_risk_settings_tenant_id_tenants",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_risk_settings"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("risk_settings")
    op.drop_index("ix_deal_meetings_account_id_opportunity_id", table_name="deal_meetings")
    op.drop_table("deal_meetings")
    op.drop_index("ix_deals_stall_at", table_name="deals")
    op.drop_index("ix_deals_account_id_last_meeting_at", table_name="deals")
    op.drop_table("deals")
