"""The per-account lease in `sync_states`: one sync per account at a time, across processes.

The queries are `SyncStateRepository`'s conditional UPDATEs; here an execution takes the
lease (waiting a while for another sync of the account to end), keeps it alive while it
works and gives it back. A crashed holder's lease simply expires.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import ConflictError, LeaseLostError, SyncBusyError
from parley.storage import Database
from parley.storage.repositories.sync_states import SyncStateRepository
from parley.sync.uninterrupted import uninterrupted

__all__ = ["AccountLease", "renew_lease"]

log = logging.getLogger("parley.sync")
#: Also written with every heartbeat, in the same transaction as the lease's renewal.
Beat = Callable[[AsyncSession], Awaitable[None]]


async def renew_lease(session: AsyncSession, account_id: str, owner: str, ttl: timedelta) -> None:
    """Extend our lease; LeaseLostError when someone else holds it now."""
    if not await SyncStateRepository(session).renew_lease(account_id, owner, ttl):
        raise LeaseLostError(
            f"The sync lease of integrated account {account_id} passed to another worker."
        )


class AccountLease:
    """One execution's hold on one account's lease."""

    def __init__(
        self, db: Database, account_id: str, owner: str, *, ttl: timedelta, wait: timedelta
    ) -> None:
        self._db = db
        self.account_id = account_id
        self.owner = owner
        self.ttl = ttl
        self._wait = wait

    @asynccontextmanager
    async def held(self, beat: Beat) -> AsyncIterator[None]:
        """The lease for the block: taken, renewed (with `beat`) every third of its lifetime,
        given back at the end. SyncBusyError when another holder keeps it past the wait."""
        await self._acquire()
        heartbeat = asyncio.create_task(self._heartbeat(beat))
        try:
            yield
        finally:
            heartbeat.cancel()
            await asyncio.gather(heartbeat, return_exceptions=True)
            await uninterrupted(self._release())

    async def _acquire(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._wait.total_seconds()
        while True:
            async with self._db.session() as session:
                states = SyncStateRepository(session)
                if await states.acquire_lease(self.account_id, self.owner, self.ttl):
                    return
            if loop.time() >= deadline:
                raise SyncBusyError(
                    f"Another sync of integrated account {self.account_id} is running; "
                    "this run stays queued."
                )
            await asyncio.sleep(0.5)

    async def _heartbeat(self, beat: Beat) -> None:
        # Slow pages (a provider at 10 requests/min) must not let the lease lapse nor make
        # the run look abandoned.
        while True:
            await asyncio.sleep(self.ttl.total_seconds() / 3)
            try:
                await uninterrupted(self._beat(beat))
            except ConflictError:
                return
            except Exception:
                log.exception("sync of %s: heartbeat failed", self.account_id)

    async def _beat(self, beat: Beat) -> None:
        async with self._db.session() as session:
            await renew_lease(session, self.account_id, self.owner, self.ttl)
            await beat(session)

    async def _release(self) -> None:
        async with self._db.session() as session:
            await SyncStateRepository(session).release_lease(self.account_id, self.owner)
