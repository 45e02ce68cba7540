"""The outbox: events recorded in the same transaction as the change they describe."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from parley.storage.columns import utcnow
from parley.storage.tables_events import Event

__all__ = ["EVENT_TYPES", "EventRepository", "new_event_id"]

#: Every event type Parley emits (api.md, "Webhooks").
EVENT_TYPES = (
    "integrated_account.active",
    "integrated_account.needs_reauth",
    "meeting.created",
    "meeting.updated",
    "meeting.deleted",
    "sync_run.completed",
    "sync_run.failed",
    "keyword.matched",
    "deal_risk.raised",
    "crm.activity_matched",
    "coaching.comment_created",
    # Sent only by `POST /webhooks/{id}/test`, to that one subscription.
    "webhook.test",
)


def new_event_id() -> str:
    """A Standard Webhooks message id (`msg_` + 32 hex digits)."""
    return f"msg_{uuid.uuid4().hex}"


class EventRepository:
    """Outbox rows inside one session: add them where the change is written."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(
        self,
        tenant_id: str,
        type_: str,
        data: dict[str, Any],
        *,
        account_id: str | None = None,
        at: datetime | None = None,
    ) -> Event:
        """Add one event; committed (or rolled back) with the caller's transaction."""
        if type_ not in EVENT_TYPES:
            raise ValueError(f"Unknown event type {type_!r}.")
        when = at or utcnow()
        event = Event(
            id=new_event_id(),
            tenant_id=tenant_id,
            account_id=account_id,
            type=type_,
            payload={"type": type_, "timestamp": when.isoformat(), "data": data},
            created_at=when,
        )
        # No flush: the id is made here, and a sync page's events go in with its commit as
        # one batch instead of one round trip each.
        self._session.add(event)
        return event

    async def record_many(
        self,
        tenant_id: str,
        type_: str,
        datas: Sequence[dict[str, Any]],
        *,
        account_id: str | None = None,
        at: datetime | None = None,
    ) -> list[str]:
        """Add many events of one type in one statement (a hook's thousands per page: no ORM
        object each); their ids. Committed (or rolled back) with the caller's transaction."""
        if type_ not in EVENT_TYPES:
            raise ValueError(f"Unknown event type {type_!r}.")
        if not datas:
            return []
        when = at or utcnow()
        stamp = when.isoformat()
        ids = [new_event_id() for _ in datas]
        rows: list[dict[str, Any]] = [
            {
                "id": event_id,
                "tenant_id": tenant_id,
                "account_id": account_id,
                "type": type_,
                "payload": {"type": type_, "timestamp": stamp, "data": data},
                "created_at": when,
            }
            for event_id, data in zip(ids, datas, strict=True)
        ]
        await self._session.execute(insert(Event), rows)
        return ids
