"""Queries on webhook subscriptions, the outbox's dispatch state, deliveries and attempts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from parley.storage.db import rowcount
from parley.storage.tables_events import (
    Event,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)

__all__ = [
    "DeliveryFilter",
    "DeliveryRepository",
    "OutboxRepository",
    "WebhookRepository",
]


class WebhookRepository:
    """Webhook subscriptions inside one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, webhook: WebhookSubscription) -> WebhookSubscription:
        """Insert a subscription."""
        self._session.add(webhook)
        await self._session.flush()
        return webhook

    async def get(
        self, webhook_id: str, *, tenant_id: str | None = None
    ) -> WebhookSubscription | None:
        """The subscription with this id (within `tenant_id` when given)."""
        query = select(WebhookSubscription).where(WebhookSubscription.id == webhook_id)
        if tenant_id is not None:
            query = query.where(WebhookSubscription.tenant_id == tenant_id)
        return await self._session.scalar(query)

    async def list_for_tenant(self, tenant_id: str) -> list[WebhookSubscription]:
        """A tenant's subscriptions, newest first."""
        query = (
            select(WebhookSubscription)
            .where(WebhookSubscription.tenant_id == tenant_id)
            .order_by(WebhookSubscription.created_at.desc(), WebhookSubscription.id.desc())
        )
        return list(await self._session.scalars(query))

    async def active_for_tenants(self, tenant_ids: Sequence[str]) -> list[WebhookSubscription]:
        """The enabled subscriptions of these tenants."""
        query = select(WebhookSubscription).where(
            WebhookSubscription.tenant_id.in_(tenant_ids),
            WebhookSubscription.disabled_at.is_(None),
        )
        return list(await self._session.scalars(query))

    async def delete(self, webhook_id: str, *, tenant_id: str) -> bool:
        """Delete the subscription (its deliveries and attempts go with it)."""
        statement = delete(WebhookSubscription).where(
            WebhookSubscription.id == webhook_id, WebhookSubscription.tenant_id == tenant_id
        )
        return rowcount(await self._session.execute(statement)) == 1


class OutboxRepository:
    """The outbox's dispatch state: events not yet fanned out to deliveries."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def undispatched(self, *, limit: int) -> list[Event]:
        """Up to `limit` events without deliveries yet, oldest first (locked on PostgreSQL)."""
        query = (
            select(Event)
            .where(Event.dispatched_at.is_(None))
            .order_by(Event.created_at, Event.id)
            .limit(limit)
            # Another process skips the rows this one fans out; SQLite ignores the clause.
            .with_for_update(skip_locked=True)
        )
        return list(await self._session.scalars(query))

    async def mark_dispatched(self, event_ids: Sequence[str], at: datetime) -> None:
        """Record that deliveries exist for every matching subscription of these events."""
        await self._session.execute(
            update(Event).where(Event.id.in_(event_ids)).values(dispatched_at=at)
        )


@dataclass(frozen=True)
class DeliveryFilter:
    """Filters of the delivery log; `after` is a (created_at, id) keyset position."""

    tenant_id: str
    webhook_id: str | None = None
    status: str | None = None
    event_type: str | None = None
    after: tuple[datetime, str] | None = None


class DeliveryRepository:
    """Deliveries (one event to one subscription) and their attempts inside one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def insert_new(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert deliveries, skipping any (webhook, event) pair that already has one."""
        if not rows:
            return
        dialect = self._session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(WebhookDelivery).values(list(rows))
        await self._session.execute(
            statement.on_conflict_do_nothing(index_elements=["webhook_id", "event_id"])
        )

    async def add(self, delivery: WebhookDelivery) -> WebhookDelivery:
        """Insert one delivery."""
        self._session.add(delivery)
        await self._session.flush()
        return delivery

    async def get(
        self, delivery_id: str, *, tenant_id: str | None = None, for_update: bool = False
    ) -> WebhookDelivery | None:
        """The delivery with this id (within `tenant_id` when given)."""
        query = select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
        if tenant_id is not None:
            query = query.where(WebhookDelivery.tenant_id == tenant_id)
        if for_update:
            query = query.with_for_update()
        return await self._session.scalar(query)

    async def with_event(
        self, delivery_id: str
    ) -> tuple[WebhookDelivery, Event, WebhookSubscription] | None:
        """A delivery with its event and subscription (what a send needs)."""
        query = (
            select(WebhookDelivery, Event, WebhookSubscription)
            .join(Event, Event.id == WebhookDelivery.event_id)
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.webhook_id)
            .where(WebhookDelivery.id == delivery_id)
        )
        row = (await self._session.execute(query)).first()
        return None if row is None else (row[0], row[1], row[2])

    async def search(
        self, where: DeliveryFilter, *, limit: int
    ) -> list[tuple[WebhookDelivery, str]]:
        """Deliveries with their event type, newest first."""
        query = (
            select(WebhookDelivery, Event.type)
            .join(Event, Event.id == WebhookDelivery.event_id)
            .where(WebhookDelivery.tenant_id == where.tenant_id)
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
            .limit(limit)
        )
        if where.webhook_id is not None:
            query = query.where(WebhookDelivery.webhook_id == where.webhook_id)
        if where.status is not None:
            query = query.where(WebhookDelivery.status == where.status)
        if where.event_type is not None:
            query = query.where(Event.type == where.event_type)
        if where.after is not None:
            query = query.where(
                tuple_(WebhookDelivery.created_at, WebhookDelivery.id) < tuple_(*where.after)
            )
        rows = await self._session.execute(query)
        return [(delivery, event_type) for delivery, event_type in rows]

    async def attempts_of(self, delivery_ids: Sequence[str]) -> dict[str, list[WebhookAttempt]]:
        """Every attempt of these deliveries, oldest first, by delivery id."""
        found: dict[str, list[WebhookAttempt]] = {delivery_id: [] for delivery_id in delivery_ids}
        if not delivery_ids:
            return found
        query = (
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(delivery_ids))
            .order_by(WebhookAttempt.attempted_at, WebhookAttempt.id)
        )
        for attempt in await self._session.scalars(query):
            found[attempt.delivery_id].append(attempt)
        return found

    async def claim_due(self, *, now: datetime, lease_until: datetime, limit: int) -> list[str]:
        """Lease up to `limit` due deliveries to this sender; ids of the ones it now holds."""
        due = (
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.status == "pending",
                WebhookDelivery.next_attempt_at <= now,
                _unlocked(now),
                # A paused subscription's deliveries wait for it to be enabled again.
                WebhookDelivery.webhook_id.in_(
                    select(WebhookSubscription.id).where(WebhookSubscription.disabled_at.is_(None))
                ),
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list(await self._session.scalars(due))
        if not ids:
            return []
        # Compare-and-set: on SQLite the select above locks nothing, so a row another process
        # claimed meanwhile no longer matches `_unlocked` and is not returned.
        claimed = await self._session.scalars(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(ids), WebhookDelivery.status == "pending", _unlocked(now))
            .values(locked_until=lease_until)
            .returning(WebhookDelivery.id)
        )
        return list(claimed)

    async def add_attempt(self, attempt: WebhookAttempt) -> None:
        """Append to the delivery log."""
        self._session.add(attempt)
        await self._session.flush()


def _unlocked(now: datetime) -> Any:
    return or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until <= now)
