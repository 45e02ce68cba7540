"""Sync test helpers: an account linked to a sandbox, the sync service, the events it wrote."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from parley.http import RetryPolicy
from parley.sandbox.server import SandboxServer
from parley.storage import Database, Event
from parley.sync import RunExecutor, SyncOptions, SyncQueue, SyncRuns, SyncRunView

# Tiny delays keep fault scenarios fast; the sync's own retries absorb what outlives these.
FAST_RETRY = RetryPolicy(max_attempts=8, max_total_time=60.0, base_delay=0.01, max_delay=0.2)
FAST_SYNC = SyncOptions(
    concurrency=8,
    lease_ttl=timedelta(seconds=30),
    lease_wait=timedelta(seconds=5),
    retries=6,
    retry_delay=0.05,
)


@dataclass
class Synced:
    """An account linked to a sandbox, and the sync services over the test database."""

    db: Database
    sandbox: SandboxServer
    runs: SyncRuns
    executor: RunExecutor
    tenant_id: str
    account_id: str

    async def sync(self, *, full: bool = False) -> SyncRunView:
        """Create a run and execute it here, to its end."""
        view, _ = await self.runs.create(self.tenant_id, self.account_id, full=full)
        return await self.executor.execute(view.id)

    def queued_on(self, queue: SyncQueue) -> SyncRuns:
        """Run management that hands started runs to `queue`."""
        return SyncRuns(self.db, queue, self.runs.options)

    async def digest(self) -> str:
        return await self.runs.digest(self.account_id)

    async def events(self) -> list[tuple[str, str | None]]:
        """(type, meeting id) of every event recorded for the account, oldest first."""
        async with self.db.session() as session:
            rows = (
                await session.execute(
                    select(Event)
                    .where(Event.account_id == self.account_id)
                    .order_by(Event.created_at, Event.id)
                )
            ).scalars()
            return [(e.type, e.payload["data"].get("id")) for e in rows]


MakeSynced = Callable[..., Awaitable[Synced]]
