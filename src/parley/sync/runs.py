"""Sync runs as the API shows them, and the queries that create, find and list them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import NotFoundError
from parley.storage import SyncRun, new_id, utcnow
from parley.unified.base import UtcDateTime

__all__ = [
    "ACTIVE",
    "COUNTS",
    "FINISHED",
    "RunStatus",
    "SyncRunView",
    "active_run",
    "load_run",
    "new_run",
    "runs_page",
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
ACTIVE = (RunStatus.QUEUED.value, RunStatus.RUNNING.value)
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


def new_run(account_id: str, tenant_id: str, *, full: bool, trigger: str) -> SyncRun:
    """A `queued` run row (not yet added to a session)."""
    return SyncRun(
        id=new_id(),
        account_id=account_id,
        tenant_id=tenant_id,
        status=RunStatus.QUEUED.value,
        full=full,
        trigger=trigger,
        counts={},
        errors=[],
        checkpoint=None,
        attempts=0,
        created_at=utcnow(),
    )


async def load_run(
    session: AsyncSession,
    run_id: str,
    *,
    tenant_id: str | None = None,
    for_update: bool = False,
) -> SyncRun:
    """One run (of the tenant, unless None); 404 `sync_run_not_found` otherwise."""
    query = select(SyncRun).where(SyncRun.id == run_id)
    if tenant_id is not None:
        query = query.where(SyncRun.tenant_id == tenant_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        raise NotFoundError(f"No sync run {run_id} for this key.", code="sync_run_not_found")
    return row


async def active_run(session: AsyncSession, account_id: str) -> SyncRun | None:
    """The account's newest queued or running run, if any."""
    query = (
        select(SyncRun)
        .where(SyncRun.account_id == account_id, SyncRun.status.in_(ACTIVE))
        .order_by(SyncRun.created_at.desc(), SyncRun.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def runs_page(
    session: AsyncSession,
    *,
    tenant_id: str | None,
    account_id: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> tuple[Sequence[SyncRun], bool]:
    """Runs newest first, strictly after the `(created_at, id)` key; and whether more follow."""
    query = select(SyncRun)
    if tenant_id is not None:
        query = query.where(SyncRun.tenant_id == tenant_id)
    if account_id is not None:
        query = query.where(SyncRun.account_id == account_id)
    if after is not None:
        created, id_ = after
        query = query.where(
            or_(
                SyncRun.created_at < created,
                (SyncRun.created_at == created) & (SyncRun.id < id_),
            )
        )
    query = query.order_by(SyncRun.created_at.desc(), SyncRun.id.desc()).limit(limit + 1)
    rows = list((await session.execute(query)).scalars())
    return rows[:limit], len(rows) > limit
