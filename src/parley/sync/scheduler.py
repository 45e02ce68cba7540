"""The periodic schedule (embedded mode): an asyncio task that starts due syncs.

An account is scheduled once its first sync completed (`sync_states.next_run_at`); every
tick hands runs left queued or half done (a stopped process, a lease that was busy) to the
queue again and starts a run for each account whose time has come. At most once an hour a
tick also prunes history older than the retention period (`storage.repositories.retention`):
ticks run wherever syncs are scheduled, in the API process or in `parley worker`s.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from parley.errors import ParleyError
from parley.storage import Database, utcnow
from parley.storage.repositories.retention import prune_events, prune_sync_runs
from parley.storage.repositories.sync_states import SyncStateRepository
from parley.sync.runs_service import SyncRuns

__all__ = ["SyncScheduler"]

log = logging.getLogger("parley.sync")
#: Time between two prunes of old history by one scheduler.
PRUNE_EVERY = timedelta(hours=1)


class SyncScheduler:
    """Starts scheduled syncs every `tick`; `start()` with the API, `stop()` at shutdown."""

    def __init__(
        self,
        db: Database,
        runs: SyncRuns,
        *,
        tick: timedelta = timedelta(seconds=10),
    ) -> None:
        self._db = db
        self._runs = runs
        self._tick = tick
        self._task: asyncio.Task[None] | None = None
        self._pruned_at: datetime | None = None

    def start(self) -> None:
        """Begin ticking in the running loop (idempotent)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._loop(), name="sync-scheduler")

    async def stop(self) -> None:
        """Stop ticking."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Ticking for the block (an API process's lifespan)."""
        self.start()
        try:
            yield
        finally:
            await self.stop()

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("sync schedule tick failed")
            await asyncio.sleep(self._tick.total_seconds())

    async def tick(self) -> Sequence[str]:
        """Resume interrupted runs, start due ones, prune old history once an hour; the ids of
        the runs started."""
        await self._runs.resume_interrupted()
        started = await self.run_due()
        now = utcnow()
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            self._pruned_at = now
            await self.prune(now)
        return started

    async def prune(self, now: datetime) -> dict[str, int]:
        """Delete ended runs and delivered events older than the retention; counts deleted."""
        retention = self._runs.options.retention
        counts = {"sync_runs": 0, "events": 0}
        if retention <= timedelta(0):
            return counts
        for name, prune in (("sync_runs", prune_sync_runs), ("events", prune_events)):
            while True:  # small batches: short write transactions
                async with self._db.session() as session:
                    deleted = await prune(session, now - retention)
                counts[name] += deleted
                if deleted == 0:
                    break
        if any(counts.values()):
            log.info("pruned history older than %s: %s", retention, counts)
        return counts

    async def run_due(self) -> Sequence[str]:
        """Start a sync of every account that is due; the ids of the runs started."""
        now = utcnow()
        async with self._db.session() as session:
            # Claimed before starting, so a slow run is not started again next tick.
            next_run_at = now + self._runs.options.interval
            accounts = await SyncStateRepository(session).claim_due(now, next_run_at)
        started = []
        for account_id in accounts:
            try:
                view = await self._runs.start(None, account_id, trigger="schedule")
            except ParleyError as exc:
                log.warning("scheduled sync of %s not started: %s", account_id, exc.message)
                continue
            started.append(view.id)
        return started
