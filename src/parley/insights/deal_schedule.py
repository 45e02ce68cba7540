"""The hourly re-evaluation that catches deals going stale (`stalled` rises with the clock).

Embedded mode: `StalledDealsWatch` runs in the API process (`Runtime.background`). Scale
mode: `register_deal_tasks` adds a procrastinate periodic task to the workers, deferred once
per hour whatever their number. Either calls `DealRiskService.reevaluate_stalled`, which
recomputes only the deals whose `stall_at` passed since they were computed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

from procrastinate import App

from parley.insights.deals import DealRiskService, Reevaluation

__all__ = ["STALLED_CRON", "STALLED_TASK", "StalledDealsWatch", "register_deal_tasks"]

log = logging.getLogger("parley.insights")
STALLED_TASK = "parley.deals_stalled"
#: At minute 0 of every hour.
STALLED_CRON = "0 * * * *"


class StalledDealsWatch:
    """Re-evaluates stalled deals every `every` (default an hour) while running."""

    def __init__(
        self,
        service: DealRiskService,
        *,
        every: timedelta = timedelta(hours=1),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._service = service
        self._every = every
        self._sleep = sleep

    async def tick(self) -> Reevaluation:
        """One re-evaluation (the deals that stalled since they were computed)."""
        done = await self._service.reevaluate_stalled()
        if done.deals:
            log.info("stalled deals re-evaluated: %d, raised: %d", done.deals, done.raised)
        return done

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("stalled deals re-evaluation failed")
            await self._sleep(self._every.total_seconds())

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Ticking for the block (an API process's lifespan)."""
        task = asyncio.create_task(self._loop(), name="stalled-deals")
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


def register_deal_tasks(app: App, service: DealRiskService, *, queue: str) -> None:
    """The hourly procrastinate task of scale mode, bound to this worker's service."""

    @app.periodic(cron=STALLED_CRON, periodic_id="parley-deals-stalled")
    @app.task(name=STALLED_TASK, queue=queue)
    async def deals_stalled(timestamp: int) -> None:
        await StalledDealsWatch(service).tick()
