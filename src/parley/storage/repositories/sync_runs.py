"""Queries on the sync_runs table: find, lock, list and add runs.

Only the sync's `RunWriter` changes a run's columns (on the rows these queries load, inside
its caller's transaction); retention prunes ended runs (`retention.py`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.storage.tables_sync import SyncRun

__all__ = ["ACTIVE_RUN", "SyncRunRepository"]

#: Statuses of a run that an execution will still change.
ACTIVE_RUN = ("queued", "running")


class SyncRunRepository:
    """Sync runs inside one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, run: SyncRun) -> SyncRun:
        """Insert a run."""
        self._session.add(run)
        await self._session.flush()
        return run

    async def get(
        self, run_id: str, *, tenant_id: str | None = None, for_update: bool = False
    ) -> SyncRun | None:
        """The run with this id (within `tenant_id` when given), row-locked if asked."""
        query = select(SyncRun).where(SyncRun.id == run_id)
        if tenant_id is not None:
            query = query.where(SyncRun.tenant_id == tenant_id)
        if for_update:
            query = query.with_for_update()
        return await self._session.scalar(query)

    async def active(self, account_id: str) -> SyncRun | None:
        """The account's newest queued or running run, if any."""
        query = (
            select(SyncRun)
            .where(SyncRun.account_id == account_id, SyncRun.status.in_(ACTIVE_RUN))
            .order_by(SyncRun.created_at.desc(), SyncRun.id.desc())
            .limit(1)
        )
        return await self._session.scalar(query)

    async def all_active(self) -> list[SyncRun]:
        """Every queued or running run, of every account."""
        query = select(SyncRun).where(SyncRun.status.in_(ACTIVE_RUN))
        return list(await self._session.scalars(query))

    async def page(
        self,
        *,
        tenant_id: str | None,
        account_id: str | None,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> tuple[list[SyncRun], bool]:
        """Runs newest first, strictly after the `(created_at, id)` key; whether more follow."""
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
        rows = list(await self._session.scalars(query))
        return rows[:limit], len(rows) > limit
