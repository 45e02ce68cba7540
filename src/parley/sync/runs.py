"""Sync runs as the API shows them: statuses, counts and the view of a stored run."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import NotFoundError
from parley.storage import SyncRun
from parley.storage.repositories.sync_runs import ACTIVE_RUN, SyncRunRepository
from parley.unified.base import UtcDateTime

__all__ = [
    "ACTIVE",
    "COUNTS",
    "FINISHED",
    "RunStatus",
    "SyncRunView",
    "load_run",
]


class RunStatus(StrEnum):
    """`queued` -> `running` -> `completed` | `failed`."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


#: Every count a run reports (zero until something happened).
COUNTS = (
    "listed",
    "created",
    "updated",
    "unchanged",
    "deleted",
    "details_fetched",
    "pages",
    "users",
    "teams",
)
ACTIVE = ACTIVE_RUN
FINISHED = (RunStatus.COMPLETED.value, RunStatus.FAILED.value)


class SyncRunView(BaseModel):
    """One sync run: status, counts, errors (never a credential), timings, checkpoint."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    integrated_account_id: str
    status: RunStatus
    full: bool
    trigger: str
    window_start: UtcDateTime | None
    window_end: UtcDateTime | None
    counts: dict[str, int]
    errors: list[dict[str, Any]]
    checkpoint: dict[str, Any] | None
    attempts: int
    created_at: UtcDateTime
    started_at: UtcDateTime | None
    finished_at: UtcDateTime | None

    @classmethod
    def of(cls, row: SyncRun) -> SyncRunView:
        """The view of a stored run."""
        return cls(
            id=row.id,
            integrated_account_id=row.account_id,
            status=RunStatus(row.status),
            full=row.full,
            trigger=row.trigger,
            window_start=row.window_start,
            window_end=row.window_end,
            counts=dict.fromkeys(COUNTS, 0) | {k: int(v) for k, v in (row.counts or {}).items()},
            errors=list(row.errors or []),
            checkpoint=row.checkpoint,
            attempts=row.attempts,
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
        )


async def load_run(
    session: AsyncSession,
    run_id: str,
    *,
    tenant_id: str | None = None,
    for_update: bool = False,
) -> SyncRun:
    """One run (of the tenant, unless None); 404 `sync_run_not_found` otherwise."""
    row = await SyncRunRepository(session).get(run_id, tenant_id=tenant_id, for_update=for_update)
    if row is None:
        raise NotFoundError(f"No sync run {run_id} for this key.", code="sync_run_not_found")
    return row
