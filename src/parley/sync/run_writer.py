"""The one writer of `sync_runs` rows: every change of a run's columns is a method here.

A run goes `queued` -> `running` -> `completed` | `failed` (and back to `queued` when an
execution is interrupted). Each method changes the row inside its caller's transaction, so
a page's checkpoint commits with the page and a run's end with its outcome event.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from parley.storage import SyncRun, new_id, utcnow
from parley.storage.repositories.sync_runs import SyncRunRepository
from parley.sync.checkpoint import Checkpoint
from parley.sync.runs import RunStatus, load_run

__all__ = ["RunWriter"]


class RunWriter:
    """A sync run's state transitions inside one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._runs = SyncRunRepository(session)

    async def create(self, account_id: str, tenant_id: str, *, full: bool, trigger: str) -> SyncRun:
        """A new `queued` run of the account."""
        run = SyncRun(
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
        return await self._runs.add(run)

    async def lock(self, run_id: str) -> SyncRun:
        """The run, row-locked for the rest of the transaction (404 when it is gone)."""
        return await load_run(self._session, run_id, for_update=True)

    def begin(self, run: SyncRun, owner: str, checkpoint: Checkpoint, now: datetime) -> None:
        """`running` under `owner`, over the checkpoint's window: one attempt more."""
        run.status = RunStatus.RUNNING.value
        run.attempts += 1
        run.worker = owner
        run.started_at = run.started_at or now
        run.heartbeat_at = now
        run.window_start, run.window_end = checkpoint.window_start, checkpoint.window_end
        run.checkpoint = checkpoint.to_json()

    async def page(self, run_id: str, checkpoint: Checkpoint, counts: Mapping[str, int]) -> None:
        """A page was committed: the run's checkpoint and counts so far."""
        run = await self._runs.get(run_id)
        if run is not None:
            run.checkpoint = checkpoint.to_json()
            run.counts = dict(counts)
            run.heartbeat_at = utcnow()

    async def beat(self, run_id: str) -> None:
        """The executor is alive: a running run's heartbeat moves on."""
        run = await self._runs.get(run_id)
        if run is not None and run.status == RunStatus.RUNNING.value:
            run.heartbeat_at = utcnow()

    async def requeue(self, run_id: str) -> None:
        """An interrupted execution: the running run waits again, with its checkpoint."""
        run = await self.lock(run_id)
        if run.status == RunStatus.RUNNING.value:
            run.status = RunStatus.QUEUED.value

    def finish(
        self,
        run: SyncRun,
        *,
        failed: bool,
        counts: Mapping[str, int],
        errors: list[dict[str, Any]],
        checkpoint: Checkpoint,
        now: datetime,
    ) -> None:
        """The run ended: `completed` or `failed`, with its counts, errors and checkpoint."""
        run.status = (RunStatus.FAILED if failed else RunStatus.COMPLETED).value
        run.counts, run.errors = dict(counts), errors
        run.checkpoint = checkpoint.to_json()
        run.finished_at = run.heartbeat_at = now
