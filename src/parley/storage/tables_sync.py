"""Sync bookkeeping: runs (status, counts, errors, checkpoint) and per-account state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from parley.storage.columns import new_id, utcnow
from parley.storage.tables import Base

__all__ = ["SyncRun", "SyncState"]


class SyncRun(Base):
    """One sync of one account: `queued` -> `running` -> `completed` | `failed`."""

    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_account_id_created_at", "account_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("integrated_accounts.id", ondelete="CASCADE")
    )
    tenant_id: Mapped[str] = mapped_column(String(36), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    #: `manual`, `schedule`, `cli`, …
    trigger: Mapped[str] = mapped_column(String(32), default="manual")
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    #: listed, created, updated, unchanged, deleted, details_fetched, users, teams, …
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: [{"code", "message", "at", …}] (no credential ever)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    #: Where a resumed run picks up (e.g. the provider's continuation key of the next page).
    checkpoint: Mapped[dict[str, Any] | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class SyncState(Base):
    """Per-account sync state: high-water mark, schedule and the one-sync-at-a-time lease."""

    __tablename__ = "sync_states"

    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("integrated_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    #: End of the newest window synced completely (incremental syncs start a look-back
    #: before it); None until a first full pass completed.
    synced_through: Mapped[datetime | None]
    last_full_at: Mapped[datetime | None]
    last_run_id: Mapped[str | None] = mapped_column(String(36))
    #: Periodic schedule: seconds between runs (None: not scheduled) and the next due time.
    interval_seconds: Mapped[int | None] = mapped_column(Integer)
    next_run_at: Mapped[datetime | None] = mapped_column(index=True)
    #: Lease: only its holder may run a sync of this account until `lease_until`.
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]
