"""Run management: create (one active run per account), hand to the queue, read, recover.

Executing a run is the `RunExecutor`'s (`executor.py`); this side only creates rows (through
the `RunWriter`) and reads them.
"""

from __future__ import annotations

import builtins
from datetime import datetime

from parley.errors import NotFoundError
from parley.storage import Database, IntegratedAccountRepository, SyncRun, utcnow
from parley.storage.repositories.store import StoreRepository
from parley.storage.repositories.sync_runs import SyncRunRepository
from parley.sync.options import SyncOptions
from parley.sync.queue import SyncQueue
from parley.sync.run_writer import RunWriter
from parley.sync.runs import RunStatus, SyncRunView, load_run

__all__ = ["SyncRuns"]


def _no_account(account_id: str) -> NotFoundError:
    return NotFoundError(
        f"No integrated account {account_id} for this key.", code="integrated_account_not_found"
    )


class SyncRuns:
    """Creates and reports sync runs; the queue decides where they execute."""

    def __init__(
        self, db: Database, queue: SyncQueue | None = None, options: SyncOptions | None = None
    ) -> None:
        self._db = db
        self._queue = queue
        self.options = options or SyncOptions()

    # -- creating ---------------------------------------------------------------------------

    async def create(
        self, tenant_id: str | None, account_id: str, *, full: bool = False, trigger: str = "manual"
    ) -> tuple[SyncRunView, bool]:
        """A queued run of the account, or its active one; and whether it needs enqueueing."""
        async with self._db.session() as session:
            account = await IntegratedAccountRepository(session).get(
                account_id, tenant_id=tenant_id
            )
            if account is None:
                raise _no_account(account_id)
            current = await SyncRunRepository(session).active(account_id)
            if current is not None and not self._abandoned(current):
                return SyncRunView.of(current), False
            if current is not None:
                return SyncRunView.of(current), True  # crashed mid-run: resume it
            run = await RunWriter(session).create(
                account_id, account.tenant_id, full=full, trigger=trigger
            )
            return SyncRunView.of(run), True

    def _abandoned(self, run: SyncRun) -> bool:
        if run.status != RunStatus.RUNNING.value:
            return False
        beat = run.heartbeat_at or run.started_at
        return beat is None or beat < utcnow() - self.options.lease_ttl * 2

    async def start(
        self, tenant_id: str | None, account_id: str, *, full: bool = False, trigger: str = "manual"
    ) -> SyncRunView:
        """Create a run (or find the active one) and hand it to the queue."""
        view, enqueue = await self.create(tenant_id, account_id, full=full, trigger=trigger)
        if enqueue:
            await self._queued().enqueue(view.id, account_id)
        return view

    async def resume_interrupted(self) -> None:
        """Hand queued runs, and runs whose worker went silent, to the queue again."""
        for run_id, account_id in await self.recoverable():
            await self._queued().enqueue(run_id, account_id)

    def _queued(self) -> SyncQueue:
        if self._queue is None:
            raise RuntimeError("SyncRuns has no queue: build it with one to start runs")
        return self._queue

    # -- reading ----------------------------------------------------------------------------

    async def get(self, tenant_id: str | None, run_id: str) -> SyncRunView:
        """One run of the tenant (404 `sync_run_not_found` for anyone else's)."""
        async with self._db.session() as session:
            return SyncRunView.of(await load_run(session, run_id, tenant_id=tenant_id))

    async def list(
        self,
        tenant_id: str | None,
        account_id: str | None,
        *,
        after: tuple[datetime, str] | None = None,
        limit: int = 50,
    ) -> tuple[builtins.list[SyncRunView], bool]:
        """Runs newest first (of one account when given); and whether more follow."""
        async with self._db.session() as session:
            if account_id is not None:
                accounts = IntegratedAccountRepository(session)
                if await accounts.get(account_id, tenant_id=tenant_id) is None:
                    raise _no_account(account_id)
            rows, more = await SyncRunRepository(session).page(
                tenant_id=tenant_id, account_id=account_id, after=after, limit=limit
            )
            return [SyncRunView.of(r) for r in rows], more

    async def digest(self, account_id: str) -> str:
        """One hash over every stored meeting of the account (equal digests: equal stores)."""
        async with self._db.session() as session:
            return await StoreRepository(session).meeting_digest(account_id)

    async def recoverable(self) -> builtins.list[tuple[str, str]]:
        """(run id, account id) of queued runs and running ones whose worker went silent."""
        async with self._db.session() as session:
            rows = await SyncRunRepository(session).all_active()
            return [
                (r.id, r.account_id)
                for r in rows
                if r.status == RunStatus.QUEUED.value or self._abandoned(r)
            ]
