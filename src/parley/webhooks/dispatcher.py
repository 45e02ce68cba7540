"""The dispatcher: fan out new outbox events, then send every due delivery; once or forever."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

import httpx

from parley.storage import Database, utcnow
from parley.storage.repositories.webhooks import DeliveryRepository
from parley.webhooks.delivery import WebhookSender
from parley.webhooks.outbox import dispatch_events

__all__ = ["DispatchCounts", "WebhookDispatcher"]

log = logging.getLogger("parley.webhooks")


@dataclass(frozen=True)
class DispatchCounts:
    """What one pass did: events fanned out, attempts made, and how many succeeded."""

    events: int = 0
    attempts: int = 0
    succeeded: int = 0

    def __add__(self, other: DispatchCounts) -> DispatchCounts:
        return DispatchCounts(
            self.events + other.events,
            self.attempts + other.attempts,
            self.succeeded + other.succeeded,
        )


class WebhookDispatcher:
    """Delivers the outbox; safe to run in any number of processes at once (claims are leases)."""

    def __init__(
        self, db: Database, sender: WebhookSender, *, batch: int = 50, concurrency: int = 10
    ) -> None:
        self._db = db
        self._sender = sender
        self._batch = batch
        self._concurrency = concurrency
        self._client: httpx.AsyncClient | None = None

    async def run_once(self) -> DispatchCounts:
        """Fan out every undispatched event, then attempt every delivery due now."""
        if self._client is None:
            async with self._sender.new_client() as client:
                return await self._pass(client)
        return await self._pass(self._client)

    async def run_forever(self, poll_interval: float = 1.0) -> None:
        """Pass after pass until cancelled; a failing pass is logged and retried."""
        async with self._sender.new_client() as client:
            self._client = client
            try:
                while True:
                    try:
                        counts = await self._pass(client)
                    except Exception:
                        log.exception("webhook dispatch pass failed")
                        counts = DispatchCounts()
                    if counts.attempts < self._batch:
                        await asyncio.sleep(poll_interval)
            finally:
                self._client = None

    @asynccontextmanager
    async def running(self, poll_interval: float = 1.0) -> AsyncIterator[None]:
        """`run_forever` as a background task for the block's duration."""
        task = asyncio.create_task(self.run_forever(poll_interval), name="webhook-dispatcher")
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    async def _pass(self, client: httpx.AsyncClient) -> DispatchCounts:
        events = 0
        while fanned := await dispatch_events(self._db):
            events += fanned
        now = utcnow()
        lease_until = now + self._sender.lease
        async with self._db.session() as session:
            claimed = await DeliveryRepository(session).claim_due(
                now=now, lease_until=lease_until, limit=self._batch
            )
        if not claimed:
            return DispatchCounts(events=events)
        gate = asyncio.Semaphore(self._concurrency)

        async def send(delivery_id: str) -> bool:
            async with gate:
                return await self._sender.send(client, delivery_id, lease_until)

        results = await asyncio.gather(
            *(send(delivery_id) for delivery_id in claimed), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                # Its lease runs out and a later pass retries it.
                log.error("webhook send failed unexpectedly: %s", type(result).__name__)
        succeeded = sum(1 for result in results if result is True)
        return DispatchCounts(events=events, attempts=len(results), succeeded=succeeded)
