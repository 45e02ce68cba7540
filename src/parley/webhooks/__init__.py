"""Outgoing webhooks: subscriptions, the outbox fan-out, signed delivery with retries, the log."""

from __future__ import annotations

from parley.webhooks.account_events import ACCOUNT_STATUS_EVENTS, record_account_status
from parley.webhooks.deliveries import DeliveryLog, DeliveryQuery
from parley.webhooks.delivery import WebhookSender
from parley.webhooks.dispatcher import DispatchCounts, WebhookDispatcher
from parley.webhooks.services import WebhookServices
from parley.webhooks.subscriptions import SUBSCRIBABLE_EVENTS, TEST_EVENT, WebhookService
from parley.webhooks.views import (
    AttemptView,
    CreatedWebhookView,
    DeliveryStatus,
    DeliveryView,
    WebhookView,
)

__all__ = [
    "ACCOUNT_STATUS_EVENTS",
    "SUBSCRIBABLE_EVENTS",
    "TEST_EVENT",
    "AttemptView",
    "CreatedWebhookView",
    "DeliveryLog",
    "DeliveryQuery",
    "DeliveryStatus",
    "DeliveryView",
    "DispatchCounts",
    "WebhookDispatcher",
    "WebhookSender",
    "WebhookService",
    "WebhookServices",
    "WebhookView",
    "record_account_status",
]
