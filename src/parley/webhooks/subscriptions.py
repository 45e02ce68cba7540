"""Subscriptions: create (secret shown once, stored sealed), list, get, delete, send a test."""

from __future__ import annotations

import builtins
from urllib.parse import urlsplit

from parley.errors import InvalidRequestError, NotFoundError
from parley.security import Vault
from parley.security.egress import WEBHOOK_RULE, EgressPolicy
from parley.storage import Database, WebhookDelivery, WebhookSubscription, new_id, utcnow
from parley.storage.repositories import EVENT_TYPES, EventRepository
from parley.storage.repositories.webhooks import DeliveryRepository, WebhookRepository
from parley.webhooks.delivery import WebhookSender
from parley.webhooks.outbox import ALL_EVENTS
from parley.webhooks.signature import generate_secret
from parley.webhooks.views import CreatedWebhookView, DeliveryStatus, WebhookView

__all__ = [
    "SUBSCRIBABLE_EVENTS",
    "TEST_EVENT",
    "WebhookService",
    "valid_events",
    "valid_url",
]

TEST_EVENT = "webhook.test"
#: What a subscription may ask for (`*` for all of them); the test event goes to one only.
SUBSCRIBABLE_EVENTS = tuple(type_ for type_ in EVENT_TYPES if type_ != TEST_EVENT)
_MAX_URL = 2048


def valid_url(url: str) -> str:
    """An absolute http(s) URL with a host (400 naming `url` otherwise)."""
    url = url.strip()
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or len(url) > _MAX_URL
        # Whitespace and control characters have no place in a URL (and NUL none in storage).
        or any(char <= " " or char == "\x7f" for char in url)
    ):
        raise InvalidRequestError("url must be an absolute http:// or https:// URL.", param="url")
    return url


def valid_events(events: builtins.list[str]) -> builtins.list[str]:
    """Known event types, deduplicated in order; `["*"]` for all (400 naming `events`)."""
    if not events:
        raise InvalidRequestError(
            "events must name at least one event type, or `*`.", param="events"
        )
    unknown = [
        type_ for type_ in events if type_ != ALL_EVENTS and type_ not in SUBSCRIBABLE_EVENTS
    ]
    if unknown:
        raise InvalidRequestError(
            f"Unknown event type {unknown[0]!r}; known: {', '.join(SUBSCRIBABLE_EVENTS)} or `*`.",
            param="events",
        )
    return [ALL_EVENTS] if ALL_EVENTS in events else list(dict.fromkeys(events))


def _not_found(webhook_id: str) -> NotFoundError:
    return NotFoundError(f"No webhook {webhook_id} for this key.", code="webhook_not_found")


class WebhookService:
    """A tenant's webhook subscriptions; another tenant's id is not found."""

    def __init__(
        self, db: Database, vault: Vault, sender: WebhookSender, egress: EgressPolicy
    ) -> None:
        self._db = db
        self._vault = vault
        self._sender = sender
        self._egress = egress

    async def _checked_url(self, url: str) -> str:
        # https and a public destination unless PARLEY_EGRESS_ALLOW says otherwise; every
        # delivery checks it again, on the address the name resolves to then.
        valid = valid_url(url)
        await self._egress.vet_url(valid, WEBHOOK_RULE, param="url")
        return valid

    async def create(
        self, tenant_id: str, url: str, events: builtins.list[str]
    ) -> CreatedWebhookView:
        """A new subscription and its signing secret (the only time the secret is shown)."""
        checked = await self._checked_url(url)
        webhook_id = new_id()
        secret = generate_secret()
        sealed = self._vault.encrypt(secret.encode(), aad=webhook_id)
        row = WebhookSubscription(
            id=webhook_id,
            tenant_id=tenant_id,
            url=checked,
            events=valid_events(events),
            secret_ciphertext=sealed.ciphertext,
            key_id=sealed.key_id,
            created_at=utcnow(),
        )
        async with self._db.session() as session:
            await WebhookRepository(session).add(row)
        return CreatedWebhookView(**WebhookView.of(row).model_dump(), secret=secret)

    async def list(self, tenant_id: str) -> builtins.list[WebhookView]:
        """The tenant's subscriptions, newest first."""
        async with self._db.session() as session:
            rows = await WebhookRepository(session).list_for_tenant(tenant_id)
            return [WebhookView.of(row) for row in rows]

    async def get(self, tenant_id: str, webhook_id: str) -> WebhookView:
        """One subscription of the tenant."""
        async with self._db.session() as session:
            row = await WebhookRepository(session).get(webhook_id, tenant_id=tenant_id)
            if row is None:
                raise _not_found(webhook_id)
            return WebhookView.of(row)

    async def update(
        self,
        tenant_id: str,
        webhook_id: str,
        *,
        url: str | None = None,
        events: builtins.list[str] | None = None,
        enabled: bool | None = None,
    ) -> WebhookView:
        """Change the URL or events, or pause (`enabled=False`) and resume the subscription.

        Paused, it gets no deliveries for events recorded meanwhile, and the ones already
        queued wait; enabled again, those resume on their schedule. The secret is kept.
        """
        new_url = None if url is None else await self._checked_url(url)
        new_events = None if events is None else valid_events(events)
        async with self._db.session() as session:
            row = await WebhookRepository(session).get(webhook_id, tenant_id=tenant_id)
            if row is None:
                raise _not_found(webhook_id)
            if new_url is not None:
                row.url = new_url
            if new_events is not None:
                row.events = new_events
            if enabled is not None and enabled != (row.disabled_at is None):
                row.disabled_at = None if enabled else utcnow()
            await session.flush()
            return WebhookView.of(row)

    async def delete(self, tenant_id: str, webhook_id: str) -> None:
        """Forget the subscription, its deliveries and their log."""
        async with self._db.session() as session:
            if not await WebhookRepository(session).delete(webhook_id, tenant_id=tenant_id):
                raise _not_found(webhook_id)

    async def send_test(self, tenant_id: str, webhook_id: str) -> str:
        """Record a `webhook.test` event for this subscription, attempt it now; the delivery id."""
        now = utcnow()
        lease_until = now + self._sender.lease
        async with self._db.session() as session:
            row = await WebhookRepository(session).get(webhook_id, tenant_id=tenant_id)
            if row is None:
                raise _not_found(webhook_id)
            event = await EventRepository(session).record(
                tenant_id,
                TEST_EVENT,
                {"webhook_id": webhook_id, "message": "A test event from Parley."},
            )
            # Fanned out here, to this subscription alone, and held by this request's lease.
            event.dispatched_at = now
            delivery = await DeliveryRepository(session).add(
                WebhookDelivery(
                    webhook_id=webhook_id,
                    event_id=event.id,
                    tenant_id=tenant_id,
                    status=DeliveryStatus.PENDING.value,
                    attempts=0,
                    next_attempt_at=now,
                    locked_until=lease_until,
                    created_at=now,
                )
            )
        await self._sender.send_one(delivery.id, lease_until)
        return delivery.id
