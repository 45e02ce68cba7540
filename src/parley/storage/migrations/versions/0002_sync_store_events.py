"""Synced copy, sync runs, transcript search index, outbox and webhooks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
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


def _meeting_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["account_id", "meeting_id"],
        ["meetings.account_id", "meetings.id"],
        name=f"fk_{table}_meeting",
        ondelete="CASCADE",
    )


def _store() -> None:
    op.create_table(
        "meetings",
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("title", sa.String(1000), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        _when("start_time", nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("owner_user_id", sa.String(200), nullable=True),
        sa.Column("has_details", sa.Boolean(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("data", _JSON, nullable=False),
        _when("created_at"),
        _when("updated_at"),
        _account_fk("meetings"),
        sa.PrimaryKeyConstraint("account_id", "id", name="pk_meetings"),
    )
    op.create_index("ix_meetings_account_id_start_time", "meetings", ["account_id", "start_time"])
    op.create_index("ix_meetings_account_id_updated_at", "meetings", ["account_id", "updated_at"])
    op.create_table(
        "attendees",
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("meeting_id", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("attendee_id", sa.String(200), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=True),
        sa.Column("name", sa.String(500), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("type", sa.String(32), nullable=False),
        _meeting_fk("attendees"),
        sa.PrimaryKeyConstraint("account_id", "meeting_id", "position", name="pk_attendees"),
    )
    op.create_index("ix_attendees_account_id_email", "attendees", ["account_id", "email"])
    op.create_index("ix_attendees_account_id_user_id", "attendees", ["account_id", "user_id"])
    op.create_table(
        "transcript_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("meeting_id", sa.String(200), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("speaker_id", sa.String(200), nullable=True),
        sa.Column("speaker_name", sa.String(500), nullable=True),
        sa.Column("speaker_type", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=True),
        sa.Column("start_time", sa.Float(), nullable=True),
        sa.Column("end_time", sa.Float(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        _meeting_fk("transcript_entries"),
        sa.PrimaryKeyConstraint("id", name="pk_transcript_entries"),
        sa.UniqueConstraint(
            "account_id",
            "meeting_id",
            "index",
            name="uq_transcript_entries_account_id_meeting_id_index",
        ),
    )
    for table in ("users", "teams"):
        extra = [sa.Column("email", sa.String(320), nullable=True)] if table == "users" else []
        op.create_table(
            table,
            sa.Column("account_id", sa.String(36), nullable=False),
            sa.Column("id", sa.String(200), nullable=False),
            *extra,
            sa.Column("content_hash", sa.String(64), nullable=False),
            sa.Column("data", _JSON, nullable=False),
            _when("updated_at"),
            _account_fk(table),
            sa.PrimaryKeyConstraint("account_id", "id", name=f"pk_{table}"),
        )


def _search_index() -> None:
    """Full-text index over transcript_entries.text, kept in step by the database itself."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE transcript_fts USING fts5("
            "text, content='transcript_entries', content_rowid='id', "
            "tokenize='porter unicode61')"
        )
        op.execute(
            "CREATE TRIGGER transcript_entries_ai AFTER INSERT ON transcript_entries BEGIN "
            "INSERT INTO transcript_fts(rowid, text) VALUES (new.id, new.text); END"
        )
        op.execute(
            "CREATE TRIGGER transcript_entries_ad AFTER DELETE ON transcript_entries BEGIN "
            "INSERT INTO transcript_fts(transcript_fts, rowid, text) "
            "VALUES ('delete', old.id, old.text); END"
        )
        op.execute(
            "CREATE TRIGGER transcript_entries_au AFTER UPDATE ON transcript_entries BEGIN "
            "INSERT INTO transcript_fts(transcript_fts, rowid, text) "
            "VALUES ('delete', old.id, old.text); "
            "INSERT INTO transcript_fts(rowid, text) VALUES (new.id, new.text); END"
        )
    else:
        op.execute(
            "ALTER TABLE transcript_entries ADD COLUMN text_tsv tsvector "
            "GENERATED ALWAYS AS (to_tsvector('english', text)) STORED"
        )
        op.execute(
            "CREATE INDEX ix_transcript_entries_text_tsv ON transcript_entries USING gin (text_tsv)"
        )


def _sync() -> None:
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("trigger", sa.String(32), nullable=False),
        _when("window_start", nullable=True),
        _when("window_end", nullable=True),
        sa.Column("counts", _JSON, nullable=False),
        sa.Column("errors", _JSON, nullable=False),
        sa.Column("checkpoint", _JSON, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(200), nullable=True),
        _when("created_at"),
        _when("started_at", nullable=True),
        _when("heartbeat_at", nullable=True),
        _when("finished_at", nullable=True),
        _account_fk("sync_runs"),
        sa.PrimaryKeyConstraint("id", name="pk_sync_runs"),
    )
    op.create_index("ix_sync_runs_account_id_created_at", "sync_runs", ["account_id", "created_at"])
    op.create_index("ix_sync_runs_tenant_id", "sync_runs", ["tenant_id"])
    op.create_index("ix_sync_runs_status", "sync_runs", ["status"])
    op.create_table(
        "sync_states",
        sa.Column("account_id", sa.String(36), nullable=False),
        _when("synced_through", nullable=True),
        _when("last_full_at", nullable=True),
        sa.Column("last_run_id", sa.String(36), nullable=True),
        sa.Column("interval_seconds", sa.Integer(), nullable=True),
        _when("next_run_at", nullable=True),
        sa.Column("lease_owner", sa.String(200), nullable=True),
        _when("lease_until", nullable=True),
        _account_fk("sync_states"),
        sa.PrimaryKeyConstraint("account_id", name="pk_sync_states"),
    )
    op.create_index("ix_sync_states_next_run_at", "sync_states", ["next_run_at"])


def _events() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=True),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("payload", _JSON, nullable=False),
        _when("created_at"),
        _when("dispatched_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_events_tenant_id_tenants", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
    )
    op.create_index("ix_events_tenant_id_created_at", "events", ["tenant_id", "created_at"])
    op.create_index("ix_events_account_id", "events", ["account_id"])
    op.create_index("ix_events_dispatched_at", "events", ["dispatched_at"])
    op.create_table(
        "webhooks",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("events", _JSON, nullable=False),
        sa.Column("secret_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        _when("created_at"),
        _when("disabled_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name="fk_webhooks_tenant_id_tenants",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_webhooks"),
    )
    op.create_index("ix_webhooks_tenant_id", "webhooks", ["tenant_id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("webhook_id", sa.String(36), nullable=False),
        sa.Column("event_id", sa.String(40), nullable=False),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("next_attempt_at", nullable=True),
        _when("last_attempt_at", nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(1000), nullable=True),
        _when("locked_until", nullable=True),
        _when("created_at"),
        _when("delivered_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["webhooks.id"],
            name="fk_webhook_deliveries_webhook_id_webhooks",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name="fk_webhook_deliveries_event_id_events",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_deliveries"),
        sa.UniqueConstraint(
            "webhook_id", "event_id", name="uq_webhook_deliveries_webhook_id_event_id"
        ),
    )
    op.create_index("ix_webhook_deliveries_webhook_id", "webhook_deliveries", ["webhook_id"])
    op.create_index("ix_webhook_deliveries_event_id", "webhook_deliveries", ["event_id"])
    op.create_index("ix_webhook_deliveries_tenant_id", "webhook_deliveries", ["tenant_id"])
    op.create_index(
        "ix_webhook_deliveries_status_next_attempt_at",
        "webhook_deliveries",
        ["status", "next_attempt_at"],
    )
    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("delivery_id", sa.String(36), nullable=False),
        _when("attempted_at"),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(1000), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["webhook_deliveries.id"],
            name="fk_webhook_attempts_delivery_id_webhook_deliveries",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_attempts"),
    )
    op.create_index("ix_webhook_attempts_delivery_id", "webhook_attempts", ["delivery_id"])


def upgrade() -> None:
    """Apply this revision."""
    _store()
    _search_index()
    _sync()
    _events()


def downgrade() -> None:
    """Revert this revision."""
    for table in ("webhook_attempts", "webhook_deliveries", "webhooks", "events"):
        op.drop_table(table)
    op.drop_table("sync_states")
    op.drop_table("sync_runs")
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS transcript_entries_{trigger}")
        op.execute("DROP TABLE IF EXISTS transcript_fts")
    for table in ("teams", "users", "transcript_entries", "attendees", "meetings"):
        op.drop_table(table)
