"""Run execution: one run to its end under the account's lease, resuming from its checkpoint.

`execute(run_id)` takes the lease (`lease.py`), begins the run (planning its window once),
replaces users and teams, runs the page pipeline (`engine.py`), then finishes the run in one
transaction with its deletions, its outcome event and the account's next schedule. Every
change of the run row goes through the `RunWriter`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import LeaseLostError, ParleyError
from parley.providers.base import Provider
from parley.storage import Database, SyncRun, utcnow
from parley.storage.page_hooks import PageHook
from parley.storage.repositories.events import EventRepository
from parley.storage.repositories.sync_runs import SyncRunRepository
from parley.storage.repositories.sync_states import SyncStateRepository
from parley.sync.checkpoint import Checkpoint
from parley.sync.engine import Progress, RunContext, SyncEngine, error_record
from parley.sync.lease import AccountLease
from parley.sync.options import SyncOptions
from parley.sync.run_writer import RunWriter
from parley.sync.runs import FINISHED, SyncRunView, load_run
from parley.sync.uninterrupted import uninterrupted

__all__ = ["OpenProvider", "RunExecutor"]

log = logging.getLogger("parley.sync")

#: (tenant id or None for trusted callers, account id) -> a provider bound to the account.
OpenProvider = Callable[[str | None, str], AbstractAsyncContextManager[Provider]]


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class RunExecutor:
    """Executes sync runs; `hooks` derive rows inside every page's transaction."""

    def __init__(
        self,
        db: Database,
        open_provider: OpenProvider,
        options: SyncOptions | None = None,
        *,
        hooks: Sequence[PageHook] = (),
    ) -> None:
        self._db = db
        self._open_provider = open_provider
        self.options = options or SyncOptions()
        self._engine = SyncEngine(
            db,
            concurrency=self.options.concurrency,
            retries=self.options.retries,
            retry_delay=self.options.retry_delay,
            hooks=hooks,
        )

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
        lease = AccountLease(
            self._db,
            account_id,
            owner,
            ttl=self.options.lease_ttl,
            wait=self.options.lease_wait,
        )

        async def beat(session: AsyncSession) -> None:
            await RunWriter(session).beat(run_id)

        async with lease.held(beat):
            ctx = await self._begin(run_id, owner)
            if ctx is None:
                return await self._view(run_id)
            return await self._run(ctx, on_progress)

    async def free_lease(self, run_id: str) -> None:
        """Release the account lease a dead executor of `run_id` still holds (if it does)."""
        async with self._db.session() as session:
            run = await SyncRunRepository(session).get(run_id)
            if run is not None and run.worker is not None:
                await SyncStateRepository(session).release_lease(run.account_id, run.worker)

    async def _view(self, run_id: str) -> SyncRunView:
        async with self._db.session() as session:
            return SyncRunView.of(await load_run(session, run_id))

    async def _begin(self, run_id: str, owner: str) -> RunContext | None:
        async with self._db.session() as session:
            writer = RunWriter(session)
            run = await writer.lock(run_id)
            if run.status in FINISHED:
                return None
            now = utcnow()
            if run.checkpoint:
                checkpoint = Checkpoint.from_json(run.checkpoint)
            else:
                checkpoint = await self._plan(session, run, now)
            writer.begin(run, owner, checkpoint, now)
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
        state = await SyncStateRepository(session).get(run.account_id)
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
            return await self._view(ctx.run_id)
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
            await RunWriter(session).requeue(run_id)

    async def _finish(self, ctx: RunContext, *, failed: bool) -> SyncRunView:
        try:
            return await self._close(ctx, failed=failed)
        except Exception as exc:
            if failed:
                raise
            # The deletions (or a page hook hearing of them) failed: nothing of them was
            # committed, and the run ends failed instead of staying `running`.
            if not isinstance(exc, ParleyError):
                log.exception("sync run %s: deletions failed", ctx.run_id)
            ctx.errors.append(error_record(exc, "deletions"))
            return await self._close(ctx, failed=True)

    async def _close(self, ctx: RunContext, *, failed: bool) -> SyncRunView:
        async with self._db.session() as session:
            writer = RunWriter(session)
            run = await writer.lock(ctx.run_id)
            if not failed:
                await self._engine.delete_gone(session, ctx)
            now = utcnow()
            writer.finish(
                run,
                failed=failed,
                counts=ctx.counts,
                errors=ctx.errors,
                checkpoint=ctx.checkpoint,
                now=now,
            )
            if not failed:
                checkpoint = ctx.checkpoint
                await SyncStateRepository(session).record_synced(
                    run.account_id,
                    run.id,
                    through=checkpoint.window_end,
                    full_at=now if checkpoint.window_start is None else None,
                    interval=self.options.interval,
                    now=now,
                )
            view = SyncRunView.of(run)
            await EventRepository(session).record(
                ctx.tenant_id,
                f"sync_run.{view.status.value}",
                view.model_dump(mode="json"),
                account_id=ctx.account_id,
            )
            return view
