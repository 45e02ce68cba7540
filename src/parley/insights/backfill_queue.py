"""Where backfills run: asyncio tasks of this process (embedded) or procrastinate jobs (scale).

Both queues take `(rule_id, version)`. Embedded mode runs one task per rule at a time (a
newer version waits for the older task, which stops at its next batch); at start-up
(`running`) the backfills left queued or running by a stopped process start again. Scale
mode defers a `parley.keyword_backfill` job to the sync queue, which `parley worker`
processes run (and retry when their worker died); the job's lock is the rule, so two jobs
of one rule never run at once, and a job for a backfill already completed ends at once. A
periodic job (every minute) defers again the backfills left queued or running.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol

from procrastinate import App
from procrastinate.exceptions import AlreadyEnqueued

from parley.storage import Database
from parley.storage.repositories.keywords import KeywordRepository

__all__ = [
    "BACKFILL_TASK",
    "BackfillQueue",
    "InProcessBackfillQueue",
    "ProcrastinateBackfillQueue",
    "register_backfill_task",
    "resume_unfinished",
]

log = logging.getLogger("parley.insights")

BACKFILL_TASK = "parley.keyword_backfill"
RESUME_TASK = "parley.keyword_backfill_resume"
#: The queue `parley worker` runs (the sync jobs' queue).
_QUEUE = "sync"

Run = Callable[[str, int], Awaitable[Any]]


class BackfillQueue(Protocol):
    """Starts the backfill of one rule version somewhere."""

    async def enqueue(self, rule_id: str, version: int) -> None: ...


class InProcessBackfillQueue:
    """Backfills as asyncio tasks of the running loop."""

    def __init__(self, db: Database, run: Run) -> None:
        self._db = db
        self._run = run
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def enqueue(self, rule_id: str, version: int) -> None:
        """Start the backfill in a task (it waits for an older one of the same rule)."""
        task = asyncio.create_task(self._one(rule_id, version), name=f"backfill-{rule_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _one(self, rule_id: str, version: int) -> None:
        async with self._locks.setdefault(rule_id, asyncio.Lock()):
            try:
                await self._run(rule_id, version)
            except Exception:
                log.exception("backfill of keyword rule %s crashed", rule_id)

    async def resume(self) -> int:
        """Start again every backfill left queued or running; how many."""
        return await resume_unfinished(self._db, self)

    async def join(self) -> None:
        """Wait until every backfill started has ended (tests, the CLI)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        """Cancel backfills in progress: they resume from their last batch at next start."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """For the block (an API process's lifespan): resume at its start, cancel at its end."""
        await self.resume()
        try:
            yield
        finally:
            await self.close()


class ProcrastinateBackfillQueue:
    """Defers one `parley.keyword_backfill` job per rule version."""

    def __init__(self, app: App) -> None:
        self._app = app

    async def enqueue(self, rule_id: str, version: int) -> None:
        """Defer the job (idempotent: the same version already waiting is not queued twice)."""
        deferrer = self._app.configure_task(
            BACKFILL_TASK,
            queue=_QUEUE,
            lock=f"parley-keyword-rule:{rule_id}",
            queueing_lock=f"parley-keyword-backfill:{rule_id}:{version}",
        )
        try:
            await deferrer.defer_async(rule_id=rule_id, version=version)
        except AlreadyEnqueued:
            log.debug("backfill of rule %s v%s is already waiting", rule_id, version)


async def resume_unfinished(db: Database, queue: BackfillQueue) -> int:
    """Queue again every backfill left queued or running; how many."""
    async with db.session() as session:
        unfinished = await KeywordRepository(session).unfinished_backfills()
    for rule_id, version in unfinished:
        await queue.enqueue(rule_id, version)
    return len(unfinished)


def register_backfill_task(app: App, run: Run, db: Database) -> None:
    """Register the backfill job on a worker's procrastinate app, and a periodic check (every
    minute) that defers again the backfills left without a job (a rule queued in embedded
    mode before a switch to scale mode; a job lost with its worker is retried anyway)."""

    @app.task(name=BACKFILL_TASK, queue=_QUEUE)
    async def keyword_backfill(rule_id: str, version: int) -> None:
        await run(rule_id, version)

    @app.periodic(cron="* * * * *", periodic_id="parley-keyword-backfills")
    @app.task(name=RESUME_TASK, queue=_QUEUE)
    async def keyword_backfill_resume(timestamp: int) -> None:
        await resume_unfinished(db, ProcrastinateBackfillQueue(app))
