"""Fan-out: each outbox event becomes one delivery per matching subscription of its tenant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from parley.storage import Database, Event, WebhookSubscription, new_id, utcnow
from parley.storage.repositories.webhooks import (
    DeliveryRepository,
    OutboxRepository,
    WebhookRepository,
)
from parley.webhooks.views import DeliveryStatus

__all__ = ["dispatch_events", "subscribed"]

ALL_EVENTS = "*"


def subscribed(webhook: WebhookSubscription, event: Event) -> bool:
    """Whether the subscription wants the event (its type, or every type with `*`).

    A subscription receives only events recorded after it was created.
    """
    wanted = ALL_EVENTS in webhook.events or event.type in webhook.events
    return wanted and webhook.created_at <= event.created_at


def _deliveries(
    events: Sequence[Event], webhooks: Sequence[WebhookSubscription]
) -> list[dict[str, Any]]:
    now = utcnow()
    return [
        {
            "id": new_id(),
            "webhook_id": webhook.id,
            "event_id": event.id,
            "tenant_id": event.tenant_id,
            "status": DeliveryStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for event in events
        for webhook in webhooks
        if webhook.tenant_id == event.tenant_id and subscribed(webhook, event)
    ]


async def dispatch_events(db: Database, *, batch: int = 500) -> int:
    """Create the deliveries of one batch of undispatched events; how many events it took."""
    async with db.session() as session:
        events = await OutboxRepository(session).undispatched(limit=batch)
        if not events:
            return 0
        tenants = sorted({event.tenant_id for event in events})
        webhooks = await WebhookRepository(session).active_for_tenants(tenants)
        # Idempotent: a (webhook, event) pair that already has a delivery is skipped.
        await DeliveryRepository(session).insert_new(_deliveries(events, webhooks))
        await OutboxRepository(session).mark_dispatched([event.id for event in events], utcnow())
        return len(events)
