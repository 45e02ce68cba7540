"""Sending: one signed POST per claimed delivery, logged, then succeeded or rescheduled."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from parley import __version__
from parley.errors import EgressRefusedError, ParleyError
from parley.security import Vault
from parley.security.egress import WEBHOOK_RULE, EgressPolicy
from parley.storage import Database, Event, WebhookAttempt, WebhookSubscription, utcnow
from parley.storage.repositories.webhooks import DeliveryRepository
from parley.webhooks.schedule import next_attempt_at
from parley.webhooks.signature import signed_headers
from parley.webhooks.views import DeliveryStatus

__all__ = ["AttemptOutcome", "WebhookSender", "encode_body", "new_client", "open_secret"]

log = logging.getLogger("parley.webhooks")

USER_AGENT = f"Parley-Webhooks/{__version__}"
_ERROR_LIMIT = 1000


@dataclass(frozen=True)
class AttemptOutcome:
    """What one HTTP attempt gave: a status code, or the transport error, and how long it took."""

    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        """Any 2xx answer counts as delivered."""
        return self.status_code is not None and 200 <= self.status_code < 300


def encode_body(payload: dict[str, Any]) -> bytes:
    """The exact bytes that are signed and sent."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def open_secret(vault: Vault, webhook: WebhookSubscription) -> str:
    """The subscription's signing secret (sealed for its id)."""
    return vault.decrypt(webhook.secret_ciphertext, aad=webhook.id).decode()


def new_client(egress: EgressPolicy) -> httpx.AsyncClient:
    """The HTTP client deliveries go through: each connection passes the egress policy."""
    # Redirects are not followed: a 3xx is not a 2xx, and following could leak the payload.
    return httpx.AsyncClient(
        follow_redirects=False, transport=egress.transport(max_connections=100)
    )


def _refused(exc: EgressRefusedError) -> AttemptOutcome:
    # Nothing was sent: the log says which rule refused the destination (no path or query).
    return AttemptOutcome(None, f"{exc.code}: {exc.message}", 0)


def _transport_error(exc: httpx.HTTPError) -> str:
    # The class name and a short reason; never the URL (it may carry a token).
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout ({type(exc).__name__})"
    if isinstance(exc, httpx.ConnectError):
        return "connection failed (ConnectError)"
    return f"request failed ({type(exc).__name__})"


class WebhookSender:
    """Posts claimed deliveries and records each attempt; reschedules or gives up on failure."""

    def __init__(
        self,
        db: Database,
        vault: Vault,
        schedule: tuple[float, ...],
        timeout: float,
        egress: EgressPolicy,
    ) -> None:
        self._db = db
        self._vault = vault
        self._schedule = schedule
        self.timeout = timeout
        self.egress = egress

    def new_client(self) -> httpx.AsyncClient:
        """A delivery client under this sender's egress policy."""
        return new_client(self.egress)

    @property
    def lease(self) -> timedelta:
        """How long a claim holds: longer than any attempt can take."""
        return timedelta(seconds=self.timeout * 2 + 30)

    async def send(
        self, client: httpx.AsyncClient, delivery_id: str, lease_until: datetime
    ) -> bool:
        """Attempt one claimed delivery; True when the receiver answered 2xx."""
        async with self._db.session() as session:
            found = await DeliveryRepository(session).with_event(delivery_id)
        if found is None:
            return False  # the subscription was deleted meanwhile
        _, event, webhook = found
        outcome = await self._post(client, webhook, event)
        await self._record(delivery_id, lease_until, outcome)
        return outcome.succeeded

    async def send_one(self, delivery_id: str, lease_until: datetime) -> bool:
        """`send` with a client of its own (a single attempt outside the dispatcher)."""
        async with self.new_client() as client:
            return await self.send(client, delivery_id, lease_until)

    async def _post(
        self, client: httpx.AsyncClient, webhook: WebhookSubscription, event: Event
    ) -> AttemptOutcome:
        try:
            # Checked again on every delivery; the connection checks the resolved address.
            self.egress.check_url(webhook.url, WEBHOOK_RULE, param="url")
        except EgressRefusedError as exc:
            return _refused(exc)
        body = encode_body(event.payload)
        try:
            secret = open_secret(self._vault, webhook)
        except ParleyError as exc:
            # E.g. sealed with a master key no longer configured: a failed, logged attempt
            # on the retry schedule, not a delivery stuck in its lease.
            return AttemptOutcome(None, f"signing secret unavailable ({exc.code})", 0)
        headers = signed_headers(secret, event.id, utcnow(), body)
        headers |= {"content-type": "application/json", "user-agent": USER_AGENT}
        started = time.monotonic()
        try:
            response = await client.post(
                webhook.url, content=body, headers=headers, timeout=self.timeout
            )
            await response.aclose()
        except EgressRefusedError as exc:
            return _refused(exc)
        except httpx.HTTPError as exc:
            return AttemptOutcome(None, _transport_error(exc), _elapsed_ms(started))
        error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
        return AttemptOutcome(response.status_code, error, _elapsed_ms(started))

    async def _record(
        self, delivery_id: str, lease_until: datetime, outcome: AttemptOutcome
    ) -> None:
        now = utcnow()
        async with self._db.session() as session:
            deliveries = DeliveryRepository(session)
            delivery = await deliveries.get(delivery_id, for_update=True)
            if delivery is None:
                return
            await deliveries.add_attempt(
                WebhookAttempt(
                    delivery_id=delivery_id,
                    attempted_at=now,
                    status_code=outcome.status_code,
                    error=outcome.error,
                    duration_ms=outcome.duration_ms,
                )
            )
            if delivery.locked_until != lease_until:
                # Redelivered or re-claimed meanwhile: the log keeps the attempt, state moves on.
                return
            delivery.attempts += 1
            delivery.last_attempt_at = now
            delivery.last_status_code = outcome.status_code
            delivery.last_error = (outcome.error or "")[:_ERROR_LIMIT] or None
            delivery.locked_until = None
            if outcome.succeeded:
                delivery.status = DeliveryStatus.SUCCEEDED.value
                delivery.delivered_at = now
                delivery.next_attempt_at = None
                return
            delivery.next_attempt_at = next_attempt_at(self._schedule, delivery.attempts, now)
            if delivery.next_attempt_at is None:
                delivery.status = DeliveryStatus.FAILED.value
                log.warning(
                    "webhook delivery %s failed after %d attempts", delivery_id, delivery.attempts
                )


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
