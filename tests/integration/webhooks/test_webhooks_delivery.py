"""Delivery: signed as Standard Webhooks, only what was subscribed, retried, then failed."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from webhooks_support import Drain, Receiver, RecordEvent

from parley.config import Settings
from parley.security import Vault
from parley.storage import Database
from parley.webhooks import DeliveryQuery, WebhookServices


async def test_every_request_verifies_with_the_standard_webhooks_library(
    webhooks: WebhookServices,
    receiver: Receiver,
    tenant_id: str,
    record_event: RecordEvent,
    drain: Drain,
) -> None:
    created = await webhooks.subscriptions.create(tenant_id, receiver.url, ["meeting.created"])
    event = await record_event("meeting.created", {"id": "m-1", "title": "Pricing call"})

    await drain(lambda: len(receiver.received()) == 1)

    [request] = receiver.received()
    assert request.verify(created.secret) == {
        "type": "meeting.created",
        "timestamp": event.payload["timestamp"],
        "data": {"id": "m-1", "title": "Pricing call"},
    }
    assert request.webhook_id == event.id
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("Parley-Webhooks/")


async def test_only_subscribed_event_types_are_delivered(
    webhooks: WebhookServices,
    receiver: Receiver,
    tenant_id: str,
    other_tenant_id: str,
    record_event: RecordEvent,
    drain: Drain,
) -> None:
    await webhooks.subscriptions.create(tenant_id, receiver.url, ["meeting.deleted"])
    everything = Receiver().up()
    try:
        await webhooks.subscriptions.create(tenant_id, everything.url, ["*"])
        await record_event("meeting.created", {"id": "m-1"})
        await record_event("meeting.deleted", {"id": "m-2"})
        await record_event("meeting.deleted", {"id": "m-3"}, tenant=other_tenant_id)

        await drain(lambda: len(everything.received()) == 2)
        await webhooks.dispatcher.run_once()

        assert [r.payload["data"]["id"] for r in receiver.received()] == ["m-2"]
        assert sorted(r.payload["data"]["id"] for r in everything.received()) == ["m-1", "m-2"]
    finally:
        everything.close()


async def test_a_receiver_down_for_a_while_gets_every_event_once_back(
    webhooks: WebhookServices,
    down_receiver: Receiver,
    tenant_id: str,
    record_event: RecordEvent,
    drain: Drain,
) -> None:
    created = await webhooks.subscriptions.create(tenant_id, down_receiver.url, ["*"])
    events = [await record_event("meeting.updated", {"id": f"m-{n}"}) for n in range(6)]

    # Connections refused for a while, then up but answering 503, then healthy.
    for _ in range(4):
        await webhooks.dispatcher.run_once()
        await asyncio.sleep(0.1)
    down_receiver.status = 503
    down_receiver.up()
    await drain(lambda: len(down_receiver.received()) >= 6)
    down_receiver.status = 200
    await drain(lambda: len(down_receiver.delivered()) == 6)

    ids_by_meeting: dict[str, set[str]] = defaultdict(set)
    for request in down_receiver.received():
        ids_by_meeting[request.verify(created.secret)["data"]["id"]].add(request.webhook_id)
    assert ids_by_meeting == {f"m-{n}": {event.id} for n, event in enumerate(events)}
    page, _ = await webhooks.deliveries.list(tenant_id, DeliveryQuery())
    assert {delivery.status for delivery in page} == {"succeeded"}
    errors = {attempt.error for delivery in page for attempt in delivery.attempts}
    assert "connection failed (ConnectError)" in errors
    assert "HTTP 503" in errors


async def test_backoff_is_logged_then_the_delivery_fails_after_the_schedule(
    database: Database,
    vault: Vault,
    hook_settings: Settings,
    receiver: Receiver,
    tenant_id: str,
    record_event: RecordEvent,
) -> None:
    settings = hook_settings.model_copy(update={"webhook_retry_schedule": "0,0.2s,0.4s"})
    webhooks = WebhookServices.build(database, vault, settings)
    receiver.status = 503
    await webhooks.subscriptions.create(tenant_id, receiver.url, ["*"])
    event = await record_event("sync_run.failed", {"id": "run-1"})

    async with asyncio.timeout(20):
        while len(receiver.received()) < 3:
            await webhooks.dispatcher.run_once()
            await asyncio.sleep(0.05)
    for _ in range(5):
        await webhooks.dispatcher.run_once()
        await asyncio.sleep(0.1)

    assert len(receiver.received()) == 3
    assert {request.webhook_id for request in receiver.received()} == {event.id}
    [delivery], _ = await webhooks.deliveries.list(tenant_id, DeliveryQuery(status="failed"))
    assert delivery.next_attempt_at is None
    assert delivery.last_status_code == 503
    assert [(a.status_code, a.error) for a in delivery.attempts] == [(503, "HTTP 503")] * 3
    first, second, third = (attempt.attempted_at for attempt in delivery.attempts)
    assert (second - first).total_seconds() >= 0.2
    assert (third - second).total_seconds() >= 0.4


async def test_a_timeout_counts_as_a_failed_attempt(
    database: Database,
    vault: Vault,
    hook_settings: Settings,
    receiver: Receiver,
    tenant_id: str,
    record_event: RecordEvent,
) -> None:
    settings = hook_settings.model_copy(
        update={"webhook_retry_schedule": "0", "webhook_timeout": 0.3}
    )
    webhooks = WebhookServices.build(database, vault, settings)
    receiver.delay = 1.0
    await webhooks.subscriptions.create(tenant_id, receiver.url, ["*"])
    await record_event("meeting.created", {"id": "m-1"})

    counts = await webhooks.dispatcher.run_once()

    assert (counts.events, counts.attempts, counts.succeeded) == (1, 1, 0)
    [delivery], _ = await webhooks.deliveries.list(tenant_id, DeliveryQuery())
    assert delivery.status == "failed"
    assert delivery.last_status_code is None
    assert delivery.attempts[0].error is not None
    assert delivery.attempts[0].error.startswith("timeout")


async def test_redelivery_sends_the_same_webhook_id_again(
    webhooks: WebhookServices,
    receiver: Receiver,
    tenant_id: str,
    record_event: RecordEvent,
    drain: Drain,
) -> None:
    created = await webhooks.subscriptions.create(tenant_id, receiver.url, ["*"])
    event = await record_event("meeting.created", {"id": "m-1"})
    await drain(lambda: len(receiver.received()) == 1)
    [delivery], _ = await webhooks.deliveries.list(tenant_id, DeliveryQuery())

    queued = await webhooks.deliveries.redeliver(tenant_id, delivery.id)
    assert queued.status == "pending"
    await drain(lambda: len(receiver.received()) == 2)

    assert [r.verify(created.secret)["data"] for r in receiver.received()] == [{"id": "m-1"}] * 2
    assert [r.webhook_id for r in receiver.received()] == [event.id, event.id]
    again = await webhooks.deliveries.get(tenant_id, delivery.id)
    assert again.status == "succeeded"
    assert len(again.attempts) == 2


async def test_two_dispatchers_at_once_send_each_event_once(
    database: Database,
    vault: Vault,
    hook_settings: Settings,
    webhooks: WebhookServices,
    receiver: Receiver,
    tenant_id: str,
    record_event: RecordEvent,
) -> None:
    await webhooks.subscriptions.create(tenant_id, receiver.url, ["*"])
    events = [await record_event("meeting.created", {"id": f"m-{n}"}) for n in range(20)]
    # Another process: its own engine over the same database.
    async with Database(database.url) as other_database:
        other = WebhookServices.build(other_database, vault, hook_settings)
        async with asyncio.timeout(20):
            while len(receiver.received()) < len(events):
                await asyncio.gather(webhooks.dispatcher.run_once(), other.dispatcher.run_once())
        await asyncio.gather(webhooks.dispatcher.run_once(), other.dispatcher.run_once())

    assert sorted(r.webhook_id for r in receiver.received()) == sorted(e.id for e in events)


async def test_a_subscription_gets_only_events_recorded_after_it_was_created(
    webhooks: WebhookServices,
    receiver: Receiver,
    tenant_id: str,
    record_event: RecordEvent,
    drain: Drain,
) -> None:
    await record_event("meeting.created", {"id": "before"})
    await webhooks.subscriptions.create(tenant_id, receiver.url, ["*"])
    await record_event("meeting.created", {"id": "after"})

    await drain(lambda: len(receiver.received()) == 1)
    await webhooks.dispatcher.run_once()

    assert [r.payload["data"]["id"] for r in receiver.received()] == ["after"]
