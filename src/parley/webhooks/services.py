"""All webhook services wired together, for the runtime to build once."""

from __future__ import annotations

from dataclasses import dataclass

from parley.config import Settings
from parley.security import Vault
from parley.security.egress import EgressPolicy
from parley.storage import Database
from parley.webhooks.deliveries import DeliveryLog
from parley.webhooks.delivery import WebhookSender
from parley.webhooks.dispatcher import WebhookDispatcher
from parley.webhooks.schedule import parse_schedule
from parley.webhooks.subscriptions import WebhookService

__all__ = ["WebhookServices"]


@dataclass(frozen=True)
class WebhookServices:
    """Subscriptions, the delivery log and the dispatcher over one database and vault."""

    subscriptions: WebhookService
    deliveries: DeliveryLog
    dispatcher: WebhookDispatcher

    @classmethod
    def build(
        cls, db: Database, vault: Vault, settings: Settings, *, egress: EgressPolicy | None = None
    ) -> WebhookServices:
        """Wire every webhook service (PARLEY_WEBHOOK_* settings; `egress`: default, the
        policy of `settings`)."""
        egress = egress or EgressPolicy.from_settings(settings)
        schedule = parse_schedule(settings.webhook_retry_schedule)
        sender = WebhookSender(db, vault, schedule, settings.webhook_timeout, egress)
        return cls(
            subscriptions=WebhookService(db, vault, sender, egress),
            deliveries=DeliveryLog(db, vault.signer(b"webhook-deliveries-cursor")),
            dispatcher=WebhookDispatcher(db, sender),
        )
