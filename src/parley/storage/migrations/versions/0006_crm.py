"""The CRM call log: contacts, companies (with their normalised emails and domains), matches.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _record(table: str, values: str) -> None:
    op.create_table(
        table,
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("name", sa.String(500), nullable=True),
        *(
            [sa.Column("company_external_id", sa.String(200), nullable=True)]
            if table == "crm_contacts"
            else []
        ),
        sa.Column(values, _JSON, nullable=False),
        sa.Column("metadata", _JSON, nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["integrated_accounts.id"],
            name=f"fk_{table}_account_id_integrated_accounts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "external_id", name=f"pk_{table}"),
    )


def _child(table: str, parent: str, column: str, length: int, fk: str) -> None:
    op.create_table(
        table,
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column(column, sa.String(length), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id", "external_id"],
            [f"{parent}.account_id", f"{parent}.external_id"],
            name=fk,
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "external_id", column, name=f"pk_{table}"),
    )
    op.create_index(f"ix_{table}_account_id_{column}", table, ["account_id", column])


def upgrade() -> None:
    """Apply this revision."""
    _record("crm_contacts", "emails")
    _child("crm_contact_emails", "crm_contacts", "email", 320, "fk_crm_contact_emails_contact")
    _record("crm_companies", "domains")
    _child("crm_company_domains", "crm_companies", "domain", 253, "fk_crm_company_domains_company")
    op.create_table(
        "crm_matches",
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("meeting_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("attendee_position", sa.Integer(), nullable=False),
        sa.Column("attendee_email", sa.String(320), nullable=False),
        _when("first_matched_at"),
        sa.Column("announced", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id", "meeting_id"],
            ["meetings.account_id", "meetings.id"],
            name="fk_crm_matches_meeting",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "account_id", "meeting_id", "kind", "external_id", name="pk_crm_matches"
        ),
    )
    op.create_index(
        "ix_crm_matches_account_id_kind_external_id",
        "crm_matches",
        ["account_id", "kind", "external_id"],
    )


def downgrade() -> None:
    """Revert this revision."""
    for table in (
        "crm_matches",
        "crm_company_domains",
        "crm_companies",
        "crm_contact_emails",
        "crm_contacts",
    ):
        op.drop_table(table)
