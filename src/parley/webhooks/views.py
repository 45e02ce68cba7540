"""What the webhook services return: plain pydantic views; a secret only once, at creation."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from parley.storage import WebhookAttempt, WebhookDelivery, WebhookSubscription
from parley.unified.base import UtcDateTime

__all__ = [
    "AttemptView",
    "CreatedWebhookView",
    "DeliveryStatus",
    "DeliveryView",
    "WebhookView",
]


class DeliveryStatus(StrEnum):
    """Where one event's delivery to one subscription stands."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WebhookView(_View):
    """A subscription as the API shows it (never its secret)."""

    id: str
    url: str
    events: list[str]
    #: False while paused: no new deliveries, and queued ones wait (`PATCH {"enabled": …}`).
    enabled: bool
    created_at: UtcDateTime
    disabled_at: UtcDateTime | None

    @classmethod
    def of(cls, row: WebhookSubscription) -> WebhookView:
        """The view of a stored subscription."""
        return cls(
            id=row.id,
            url=row.url,
            events=list(row.events),
            enabled=row.disabled_at is None,
            created_at=row.created_at,
            disabled_at=row.disabled_at,
        )


class CreatedWebhookView(WebhookView):
    """A new subscription with its signing secret, shown this once."""

    secret: str


class AttemptView(_View):
    """One HTTP attempt of a delivery."""

    id: str
    attempted_at: UtcDateTime
    status_code: int | None
    error: str | None
    duration_ms: int

    @classmethod
    def of(cls, row: WebhookAttempt) -> AttemptView:
        """The view of a logged attempt."""
        return cls(
            id=row.id,
            attempted_at=row.attempted_at,
            status_code=row.status_code,
            error=row.error,
            duration_ms=row.duration_ms,
        )


class DeliveryView(_View):
    """One event to one subscription, with every attempt (the payload on a get only)."""

    id: str
    webhook_id: str
    event_id: str
    event_type: str
    status: DeliveryStatus
    next_attempt_at: UtcDateTime | None
    last_attempt_at: UtcDateTime | None
    last_status_code: int | None
    last_error: str | None
    created_at: UtcDateTime
    delivered_at: UtcDateTime | None
    attempts: list[AttemptView]
    payload: dict[str, Any] | None = None

    @classmethod
    def of(
        cls,
        row: WebhookDelivery,
        event_type: str,
        attempts: list[WebhookAttempt],
        payload: dict[str, Any] | None = None,
    ) -> DeliveryView:
        """The view of a delivery, its event type and attempts."""
        return cls(
            id=row.id,
            webhook_id=row.webhook_id,
            event_id=row.event_id,
            event_type=event_type,
            status=DeliveryStatus(row.status),
            next_attempt_at=row.next_attempt_at,
            last_attempt_at=row.last_attempt_at,
            last_status_code=row.last_status_code,
            last_error=row.last_error,
            created_at=row.created_at,
            delivered_at=row.delivered_at,
            attempts=[AttemptView.of(attempt) for attempt in attempts],
            payload=payload,
        )
