"""Keyword rules and the snippets they found in the synced copy (insights.md §1).

A rule belongs to a tenant and applies to one of its accounts (`account_id`) or, when that
is null, to every account of the tenant. Its `backfill_*` columns are the progress of the
latest re-scan of the stored copy; `version` goes up whenever a change needs one, so a
re-scan started for an older version stops and the newer one starts from scratch.

A snippet belongs to a rule and a stored meeting (deleting either deletes it: foreign keys).
`meeting_sort` is the meeting's start time (1970 when it has none): the feed's order,
newest meeting first, then by `start_time`, is an index scan of
`ix_snippets_tenant_id_meeting_sort`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from parley.storage.columns import JsonType, new_id, utcnow
from parley.storage.tables import Base

__all__ = ["KeywordRuleRow", "SnippetRow"]


class KeywordRuleRow(Base):
    """A keyword rule and the progress of its latest backfill."""

    __tablename__ = "keyword_rules"
    __table_args__ = (Index("ix_keyword_rules_tenant_id_created_at", "tenant_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(String(36), ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    phrases: Mapped[list[str]]
    #: None: every account of the tenant.
    account_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("integrated_accounts.id", ondelete="CASCADE"), index=True
    )
    speaker_type: Mapped[str] = mapped_column(String(16))
    context_seconds: Mapped[float] = mapped_column(Float)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_backfill: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Bumped by every change that needs a re-scan (and by enabling the rule).
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: `queued`, `running`, `completed` or `failed`.
    backfill_status: Mapped[str] = mapped_column(String(16), index=True)
    backfill_meetings_scanned: Mapped[int] = mapped_column(Integer, default=0)
    backfill_snippets: Mapped[int] = mapped_column(Integer, default=0)
    #: The last (account id, meeting id) scanned, JSON: where an interrupted backfill resumes.
    backfill_position: Mapped[list[str] | None]
    backfill_started_at: Mapped[datetime | None]
    backfill_finished_at: Mapped[datetime | None]
    backfill_error: Mapped[dict[str, Any] | None]


class SnippetRow(Base):
    """One snippet (the `Snippet` shape of `parley.insights.snippets`, stored)."""

    __tablename__ = "snippets"
    __table_args__ = (
        ForeignKeyConstraint(
            ["account_id", "meeting_id"],
            ["meetings.account_id", "meetings.id"],
            name="fk_snippets_meeting",
            ondelete="CASCADE",
        ),
        Index(
            "ix_snippets_tenant_id_meeting_sort",
            "tenant_id",
            "meeting_sort",
            "meeting_id",
            "start_time",
            "id",
        ),
        Index("ix_snippets_account_id_meeting_id", "account_id", "meeting_id"),
        Index("ix_snippets_rule_id_meeting_sort", "rule_id", "meeting_sort"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(36))
    rule_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("keyword_rules.id", ondelete="CASCADE")
    )
    account_id: Mapped[str] = mapped_column(String(36))
    meeting_id: Mapped[str] = mapped_column(String(200))
    meeting_sort: Mapped[datetime]
    phrases: Mapped[list[str]]
    entry_indexes: Mapped[list[int]] = mapped_column(JsonType)
    speaker_name: Mapped[str | None] = mapped_column(String(500))
    speaker_type: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(String(200))
    start_time: Mapped[float] = mapped_column(Float)
    end_time: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    highlight: Mapped[str] = mapped_column(Text)
    context: Mapped[list[dict[str, Any]]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
