"""The embedded-mode SyncQueue: runs execute as asyncio tasks of this process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from parley.errors import ParleyError

__all__ = ["InProcessSyncQueue"]

log = logging.getLogger("parley.sync")


class InProcessSyncQueue:
    """Executes enqueued runs in the background, one at a time per account."""

    def __init__(self, execute: Callable[[str], Awaitable[Any]]) -> None:
        self._execute = execute
        self._locks: dict[str, asyncio.Lock] = {}
        #: run id -> its task, while it waits or executes
        self._tasks: dict[str, asyncio.Task[None]] = {}

    async def enqueue(self, run_id: str, account_id: str) -> None:
        """Start executing `run_id` in a task of the running loop (once: again is a no-op)."""
        if run_id in self._tasks:
            return
        task = asyncio.create_task(self._run(run_id, account_id), name=f"sync-{run_id}")
        self._tasks[run_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(run_id, None))

    async def _run(self, run_id: str, account_id: str) -> None:
        lock = self._locks.setdefault(account_id, asyncio.Lock())
        async with lock:
            try:
                await self._execute(run_id)
            except ParleyError as exc:
                log.warning("sync run %s not executed: %s", run_id, exc.message)
            except Exception:
                log.exception("sync run %s crashed", run_id)

    async def join(self) -> None:
        """Wait until every enqueued run has ended (tests, the CLI)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def close(self) -> None:
        """Cancel runs in progress; they stay `running` with a checkpoint and resume later."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """For the block (an API process's lifespan); cancels unfinished runs at its end."""
        try:
            yield
        finally:
            await self.close()
