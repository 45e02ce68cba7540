"""Housekeeping: history older than the retention period is deleted, in small batches.

What goes: outbox events whose every delivery has ended (`succeeded` or `failed`; their
deliveries and attempts go with them, `ON DELETE CASCADE`) and sync runs that have ended
(`completed` or `failed`). An event still being delivered, or a run still queued or
running, stays whatever its age.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.storage.db import rowcount
from parley.storage.tables_events import Event, WebhookDelivery
from parley.storage.tables_sync import SyncRun

__all__ = ["ENDED_DELIVERY", "ENDED_RUN", "prune_events", "prune_sync_runs"]

#: Delivery statuses that no dispatcher pass will change again.
ENDED_DELIVERY = ("succeeded", "failed")
#: Sync run statuses that no execution will change again.
ENDED_RUN = ("completed", "failed")


async def prune_events(session: AsyncSession, before: datetime, *, limit: int = 1000) -> int:
    """Delete up to `limit` fully delivered events created before `before`; how many."""
    open_delivery = exists().where(
        WebhookDelivery.event_id == Event.id, WebhookDelivery.status.not_in(ENDED_DELIVERY)
    )
    ids = select(Event.id).where(
        Event.created_at < before, Event.dispatched_at.is_not(None), ~open_delivery
    )
    chosen = list(await session.scalars(ids.limit(limit)))
    if not chosen:
        return 0
    return rowcount(await session.execute(delete(Event).where(Event.id.in_(chosen))))


async def prune_sync_runs(session: AsyncSession, before: datetime, *, limit: int = 1000) -> int:
    """Delete up to `limit` ended sync runs created before `before`; how many."""
    ids = select(SyncRun.id).where(SyncRun.created_at < before, SyncRun.status.in_(ENDED_RUN))
    chosen = list(await session.scalars(ids.limit(limit)))
    if not chosen:
        return 0
    return rowcount(await session.execute(delete(SyncRun).where(SyncRun.id.in_(chosen))))
