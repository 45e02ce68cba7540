"""Sync runs end to end: create (one active run per account), execute under the lease, read."""

from __future__ import annotations

import asyncio
import builtins
import logging
import os
import socket
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.config import Settings
from parley.errors import ConflictError, LeaseLostError, NotFoundError, ParleyError, SyncBusyError
from parley.providers.base import Provider
from parley.storage import Database, IntegratedAccountRepository, SyncRun, SyncState, utcnow
from parley.storage.repositories.events import EventRepository
from parley.storage.repositories.store import StoreRepository
from parley.sync.checkpoint import Checkpoint
from parley.sync.engine import (
    Progress,
    RunContext,
    SyncEngine,
    error_record,
    meeting_event_data,
    uninterrupted,
)
from parley.sync.lease import acquire_lease, release_lease, renew_lease
from parley.sync.queue import SyncQueue
from parley.sync.runs import (
    ACTIVE,
    FINISHED,
    RunStatus,
    SyncRunView,
    active_run,
    load_run,
    new_run,
    runs_page,
)

__all__ = ["OpenProvider", "SyncOptions", "SyncService"]

log = logging.getLogger("parley.sync")

#: (tenant id or None for trusted callers, account id) -> a provider bound to the account.
OpenProvider = Callable[[str | None, str], AbstractAsyncContextManager[Provider]]


@dataclass(frozen=True)
class SyncOptions:
    """How syncs run (from Settings; tests shorten the waits)."""

    lookback: timedelta = timedelta(days=3)
    interval: timedelta = timedelta(minutes=15)
    concurrency: int = 8
    lease_ttl: timedelta = timedelta(seconds=60)
    #: How long `execute` waits for another sync of the account to finish.
    lease_wait: timedelta = timedelta(seconds=90)
    retries: int = 4
    retry_delay: float = 1.0
    #: Ended runs and delivered events older than this are pruned (zero: kept forever).
    retention: timedelta = timedelta(days=30)

    @classmethod
    def from_settings(cls, settings: Settings) -> SyncOptions:
        """The options PARLEY_SYNC_* ask for."""
        return cls(
            lookback=settings.sync_lookback,
            interval=settings.sync_interval,
            concurrency=settings.sync_concurrency,
            retention=settings.history_retention,
        )


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class SyncService:
    """Creates, executes and reports sync runs; the queue decides where execution happens."""

    def __init__(
        self,
        db: Database,
        open_provider: OpenProvider,
        options: SyncOptions | None = None,
    ) -> None:
        self._db = db
        self._open_provider = open_provider
        self.options = options or SyncOptions()
        # Set by use_queue(): the queue is built over this service's execute().
        self._queue: SyncQueue | None = None
        self._engine = SyncEngine(
            db,
            concurrency=self.options.concurrency,
            retries=self.options.retries,
            retry_delay=self.options.retry_delay,
        )

    def use_queue(self, queue: SyncQueue) -> None:
        """Where `start` hands new runs (in-process in embedded mode, procrastinate at scale)."""
        self._queue = queue

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
                raise NotFoundError(
                    f"No integrated account {account_id} for this key.",
                    code="integrated_account_not_found",
                )
            current = await active_run(session, account_id)
            if current is not None and not self._abandoned(current):
                return SyncRunView.of(current), False
            if current is not None:
                return SyncRunView.of(current), True  # crashed mid-run: resume it
            run = new_run(account_id, account.tenant_id, full=full, trigger=trigger)
            session.add(run)
            await session.flush()
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
            raise RuntimeError("SyncService has no queue; call use_queue() first")
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
    ) -> tuple[list[SyncRunView], bool]:
        """Runs newest first (of one account when given); and whether more follow."""
        async with self._db.session() as session:
            if account_id is not None:
                account = await IntegratedAccountRepository(session).get(
                    account_id, tenant_id=tenant_id
                )
                if account is None:
                    raise NotFoundError(
                        f"No integrated account {account_id} for this key.",
                        code="integrated_account_not_found",
                    )
            rows, more = await runs_page(
                session, tenant_id=tenant_id, account_id=account_id, after=after, limit=limit
            )
            return [SyncRunView.of(r) for r in rows], more

    async def digest(self, account_id: str) -> str:
        """One hash over every stored meeting of the account (equal digests: equal stores)."""
        async with self._db.session() as session:
            return await StoreRepository(session).meeting_digest(account_id)

    async def recoverable(self) -> builtins.list[tuple[str, str]]:
        """(run id, account id) of queued runs and running ones whose worker went silent."""
        async with self._db.session() as session:
            query = select(SyncRun).where(SyncRun.status.in_(ACTIVE))
            rows = (await session.execute(query)).scalars()
            return [
                (r.id, r.account_id) for r in rows if r.status == "queued" or self._abandoned(r)
            ]

    # -- executing --------------------------------------------------------------------------

    async def execute(self, run_id: str, *, on_progress: Progress | None = None) -> SyncRunView:
        """Run `run_id` to its end under the account's lease, resuming from its checkpoint.

        Idempotent: a finished run is returned untouched. SyncBusyError when another sync of
        the account still holds the lease after `lease_wait`.
        """
        async with self._db.session() as session:
            run = await load_run(session, run_id)
            if run.status in FINISHED:
                return SyncRunView.of(run)
            account_id = run.account_id
        owner = f"{_worker_name()}:{uuid.uuid4().hex[:8]}"
        await self._acquire(account_id, owner)
        heartbeat = asyncio.create_task(self._heartbeat(run_id, account_id, owner))
        try:
            ctx = await self._begin(run_id, owner)
            if ctx is None:
                return await self.get(None, run_id)
            return await self._run(ctx, on_progress)
        finally:
            heartbeat.cancel()
            await asyncio.gather(heartbeat, return_exceptions=True)
            await uninterrupted(self._release(account_id, owner))

    async def _release(self, account_id: str, owner: str) -> None:
        async with self._db.session() as session:
            await release_lease(session, account_id, owner)

    async def _acquire(self, account_id: str, owner: str) -> None:
        deadline = asyncio.get_running_loop().time() + self.options.lease_wait.total_seconds()
        while True:
            async with self._db.session() as session:
                if await acquire_lease(session, account_id, owner, self.options.lease_ttl):
                    return
            if asyncio.get_running_loop().time() >= deadline:
                raise SyncBusyError(
                    f"Another sync of integrated account {account_id} is running; "
                    "this run stays queued."
                )
            await asyncio.sleep(0.5)

    async def _heartbeat(self, run_id: str, account_id: str, owner: str) -> None:
        # Slow pages (a provider at 10 requests/min) must not let the lease lapse nor make
        # the run look abandoned.
        while True:
            await asyncio.sleep(self.options.lease_ttl.total_seconds() / 3)
            try:
                await uninterrupted(self._beat(run_id, account_id, owner))
            except ConflictError:
                return
            except Exception:
                log.exception("sync run %s: heartbeat failed", run_id)

    async def _beat(self, run_id: str, account_id: str, owner: str) -> None:
        async with self._db.session() as session:
            await renew_lease(session, account_id, owner, self.options.lease_ttl)
            run = await session.get(SyncRun, run_id)
            if run is not None and run.status == RunStatus.RUNNING.value:
                run.heartbeat_at = utcnow()

    async def _begin(self, run_id: str, owner: str) -> RunContext | None:
        async with self._db.session() as session:
            run = await load_run(session, run_id, for_update=True)
            if run.status in FINISHED:
                return None
            now = utcnow()
            if run.checkpoint:
                checkpoint = Checkpoint.from_json(run.checkpoint)
            else:
                checkpoint = await self._plan(session, run, now)
            run.status = RunStatus.RUNNING.value
            run.attempts += 1
            run.worker = owner
            run.started_at = run.started_at or now
            run.heartbeat_at = now
            run.window_start, run.window_end = checkpoint.window_start, checkpoint.window_end
            run.checkpoint = checkpoint.to_json()
            return RunContext(
                run_id=run.id,
                account_id=run.account_id,
                tenant_id=run.tenant_id,
                owner=owner,
                lease_ttl=self.options.lease_ttl,
                checkpoint=checkpoint,
                counts={k: int(v) for k, v in (run.counts or {}).items()},
                errors=list(run.errors or []),
            )

    async def _plan(self, session: AsyncSession, run: SyncRun, now: datetime) -> Checkpoint:
        state = await session.get(SyncState, run.account_id)
        if run.full or state is None or state.synced_through is None:
            return Checkpoint(window_start=None, window_end=now)
        return Checkpoint(window_start=state.synced_through - self.options.lookback, window_end=now)

    async def _run(self, ctx: RunContext, on_progress: Progress | None) -> SyncRunView:
        try:
            async with self._open_provider(ctx.tenant_id, ctx.account_id) as provider:
                await self._engine.sync_people(provider, ctx)
                await self._engine.sync_meetings(provider, ctx, on_progress)
        except LeaseLostError:
            # Another worker took the account over (and with it this run): leave it alone.
            log.warning("sync run %s: lease lost, stopping here", ctx.run_id)
            return await self.get(None, ctx.run_id)
        except asyncio.CancelledError:
            # Interrupted (shutdown): queued again with its checkpoint, to resume later.
            await uninterrupted(self._requeue(ctx.run_id))
            raise
        except Exception as exc:
            if not isinstance(exc, ParleyError):
                log.exception("sync run %s failed", ctx.run_id)
            ctx.errors.append(error_record(exc, "meetings"))
            return await uninterrupted(self._finish(ctx, failed=True))
        return await uninterrupted(self._finish(ctx, failed=False))

    async def _requeue(self, run_id: str) -> None:
        async with self._db.session() as session:
            run = await load_run(session, run_id, for_update=True)
            if run.status == RunStatus.RUNNING.value:
                run.status = RunStatus.QUEUED.value

    async def _finish(self, ctx: RunContext, *, failed: bool) -> SyncRunView:
        async with self._db.session() as session:
            run = await load_run(session, ctx.run_id, for_update=True)
            events = EventRepository(session)
            checkpoint = ctx.checkpoint
            if not failed and checkpoint.listed_all and checkpoint.candidates:
                gone = await StoreRepository(session).delete_meetings(
                    ctx.account_id, checkpoint.candidates
                )
                for meeting_id in gone:
                    await events.record(
                        ctx.tenant_id,
                        "meeting.deleted",
                        meeting_event_data(ctx.account_id, {"id": meeting_id}),
                        account_id=ctx.account_id,
                    )
                ctx.add("deleted", len(gone))
                checkpoint.candidates = []
            now = utcnow()
            run.status = (RunStatus.FAILED if failed else RunStatus.COMPLETED).value
            run.counts, run.errors = dict(ctx.counts), ctx.errors
            run.checkpoint = checkpoint.to_json()
            run.finished_at = run.heartbeat_at = now
            if not failed:
                await self._advance(session, run, checkpoint, now)
            view = SyncRunView.of(run)
            await events.record(
                ctx.tenant_id,
                f"sync_run.{view.status.value}",
                view.model_dump(mode="json"),
                account_id=ctx.account_id,
            )
            return view

    async def _advance(
        self, session: AsyncSession, run: SyncRun, checkpoint: Checkpoint, now: datetime
    ) -> None:
        # The row exists since the lease was taken (gone only with the account itself).
        state = await session.get(SyncState, run.account_id)
        if state is None:
            return
        state.synced_through = checkpoint.window_end
        state.last_run_id = run.id
        if checkpoint.window_start is None:
            state.last_full_at = now
        seconds = self.options.interval.total_seconds()
        state.interval_seconds = max(1, round(seconds)) if seconds > 0 else None
        state.next_run_at = now + self.options.interval if seconds > 0 else None
