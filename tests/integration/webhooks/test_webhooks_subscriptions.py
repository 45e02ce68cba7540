"""Subscriptions: validation, secrets sealed and shown once, tenant isolation, the test event."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from webhooks_support import Drain, Receiver, RecordEvent

from parley.errors import InvalidCursorError, InvalidRequestError, NotFoundError
from parley.storage import Base, Database
from parley.webhooks import DeliveryQuery, WebhookServices
from parley.webhooks.outbox import dispatch_events


@pytest.mark.parametrize(
    "url", ["ftp://example.com/hook", "example.com/hook", "http:///no-host", "javascript:x"]
)
async def test_a_url_that_is_not_http_is_refused_naming_url(
    webhooks: WebhookServices, tenant_id: str, url: str
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        await webhooks.subscriptions.create(tenant_id, url, ["*"])
    assert caught.value.param == "url"


@pytest.mark.parametrize("events", [[], ["meeting.exploded"], ["meeting.created", "nope"]])
async def test_unknown_or_missing_event_types_are_refused_naming_events(
    webhooks: WebhookServices, tenant_id: str, events: list[str]
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        await webhooks.subscriptions.create(tenant_id, "https://example.com/hook", events)
    assert caught.value.param == "events"


async def test_the_secret_is_shown_once_and_stored_sealed(
    webhooks: WebhookServices, database: Database, tenant_id: str
) -> None:
    created = await webhooks.subscriptions.create(
        tenant_id, "https://example.com/hook", ["meeting.created", "meeting.created"]
    )

    assert created.secret.startswith("whsec_")
    assert created.events == ["meeting.created"]
    listed = await webhooks.subscriptions.list(tenant_id)
    got = await webhooks.subscriptions.get(tenant_id, created.id)
    for view in [*listed, got]:
        assert "secret" not in view.model_dump()
        assert created.secret not in view.model_dump_json()
    stored = await _every_stored_value(database)
    assert not any(created.secret in str(value) for value in stored)
    assert not any(created.secret.removeprefix("whsec_") in str(value) for value in stored)


async def test_another_tenants_webhook_and_deliveries_are_not_found(
    webhooks: WebhookServices,
    receiver: Receiver,
    tenant_id: str,
    other_tenant_id: str,
) -> None:
    created = await webhooks.subscriptions.create(tenant_id, receiver.url, ["*"])
    delivery_id = await webhooks.subscriptions.send_test(tenant_id, created.id)
    subs, log = webhooks.subscriptions, webhooks.deliveries
    attempts: list[Callable[[], Awaitable[object]]] = [
        lambda: subs.get(other_tenant_id, created.id),
        lambda: subs.delete(other_tenant_id, created.id),
        lambda: subs.send_test(other_tenant_id, created.id),
        lambda: log.get(other_tenant_id, delivery_id),
        lambda: log.redeliver(other_tenant_id, delivery_id),
    ]
    for attempt in attempts:
        with pytest.raises(NotFoundError):
            await attempt()
    assert await subs.list(other_tenant_id) == []
    assert await log.list(other_tenant_id, DeliveryQuery()) == ([], None)
    assert (await subs.get(tenant_id, created.id)).id == created.id


async def test_the_test_event_is_sent_now_and_logged(
    webhooks: WebhookServices, receiver: Receiver, tenant_id: str
) -> None:
    created = await webhooks.subscriptions.create(tenant_id, receiver.url, ["meeting.created"])

    delivery_id = await webhooks.subscriptions.send_test(tenant_id, created.id)

    [request] = receiver.received()
    body = request.verify(created.secret)
    assert body["type"] == "webhook.test"
    assert body["data"]["webhook_id"] == created.id
    delivery = await webhooks.deliveries.get(tenant_id, delivery_id)
    assert delivery.status == "succeeded"
    assert delivery.event_id == request.webhook_id
    assert [(a.status_code, a.error) for a in delivery.attempts] == [(200, None)]
    assert delivery.payload == body


async def test_a_test_event_to_an_endpoint_that_is_down_is_logged_and_retried(
    webhooks: WebhookServices, down_receiver: Receiver, tenant_id: str, drain: Drain
) -> None:
    created = await webhooks.subscriptions.create(tenant_id, down_receiver.url, ["*"])

    delivery_id = await webhooks.subscriptions.send_test(tenant_id, created.id)

    delivery = await webhooks.deliveries.get(tenant_id, delivery_id)
    assert delivery.status == "pending"
    assert delivery.next_attempt_at is not None
    assert [(a.status_code, a.error) for a in delivery.attempts] == [
        (None, "connection failed (ConnectError)")
    ]
    down_receiver.up()
    await drain(lambda: len(down_receiver.delivered()) == 1)
    [request] = down_receiver.delivered()
    assert request.webhook_id == delivery.event_id


async def test_deleting_a_webhook_stops_its_deliveries(
    webhooks: WebhookServices, receiver: Receiver, tenant_id: str, record_event: RecordEvent
) -> None:
    created = await webhooks.subscriptions.create(tenant_id, receiver.url, ["*"])
    await webhooks.subscriptions.delete(tenant_id, created.id)
    await record_event("meeting.created", {"id": "m-1"})

    await webhooks.dispatcher.run_once()

    assert receiver.received() == []
    with pytest.raises(NotFoundError):
        await webhooks.subscriptions.get(tenant_id, created.id)


async def test_the_delivery_log_filters_and_pages_newest_first(
    webhooks: WebhookServices, receiver: Receiver, tenant_id: str, record_event: RecordEvent
) -> None:
    first = await webhooks.subscriptions.create(tenant_id, receiver.url, ["*"])
    second = await webhooks.subscriptions.create(tenant_id, receiver.url, ["meeting.deleted"])
    recorded = []
    # One fan-out per event, so each event's deliveries have a creation time of their own.
    events = [("meeting.created", f"c-{n}") for n in range(3)] + [("meeting.deleted", "d-0")]
    for type_, object_id in events:
        recorded.append((await record_event(type_, {"id": object_id})).id)
        await webhooks.dispatcher.run_once()
    log = webhooks.deliveries

    page, cursor = await log.list(tenant_id, DeliveryQuery(limit=3))
    rest, end = await log.list(tenant_id, DeliveryQuery(limit=3, cursor=cursor))
    everything = page + rest
    assert cursor is not None
    assert len(everything) == 5
    assert end is None
    assert len({delivery.id for delivery in everything}) == 5
    assert [d.created_at for d in everything] == sorted(
        (d.created_at for d in everything), reverse=True
    )
    c0, c1, c2, d0 = recorded
    assert [d.event_id for d in everything] == [d0, d0, c2, c1, c0]
    deleted, _ = await log.list(tenant_id, DeliveryQuery(event_type="meeting.deleted"))
    assert {d.webhook_id for d in deleted} == {first.id, second.id}
    mine, _ = await log.list(tenant_id, DeliveryQuery(webhook_id=second.id))
    assert [d.event_type for d in mine] == ["meeting.deleted"]
    with pytest.raises(InvalidRequestError) as caught:
        await log.list(tenant_id, DeliveryQuery(status="lost"))
    assert caught.value.param == "status"
    with pytest.raises(InvalidCursorError):
        await log.list(tenant_id, DeliveryQuery(cursor=cursor + "x"))
    # A cursor pages the filters it was issued for, for its tenant only.
    with pytest.raises(InvalidCursorError, match="another filter set"):
        await log.list(tenant_id, DeliveryQuery(limit=3, cursor=cursor, status="failed"))
    with pytest.raises(InvalidCursorError, match="another filter set"):
        await log.list("another-tenant", DeliveryQuery(limit=3, cursor=cursor))


async def _every_stored_value(database: Database) -> list[object]:
    values: list[object] = []
    async with database.session() as session:
        for table in Base.metadata.sorted_tables:
            for row in await session.execute(table.select()):
                values.extend(row)
    return values


async def test_update_changes_url_and_events_and_keeps_the_secret(
    webhooks: WebhookServices, receiver: Receiver, tenant_id: str, record_event: RecordEvent
) -> None:
    created = await webhooks.subscriptions.create(
        tenant_id, "https://old.example/hook", ["meeting.deleted"]
    )

    updated = await webhooks.subscriptions.update(
        tenant_id, created.id, url=receiver.url, events=["meeting.created"]
    )
    await record_event("meeting.created", {"id": "m-1"})
    await webhooks.dispatcher.run_once()

    assert (updated.url, updated.events, updated.enabled) == (
        receiver.url,
        ["meeting.created"],
        True,
    )
    (received,) = receiver.received()
    assert received.verify(created.secret)["data"] == {"id": "m-1"}
    with pytest.raises(InvalidRequestError) as caught:
        await webhooks.subscriptions.update(tenant_id, created.id, events=["nope"])
    assert caught.value.param == "events"
    with pytest.raises(NotFoundError):
        await webhooks.subscriptions.update("another-tenant", created.id, enabled=False)


async def test_a_paused_subscription_gets_nothing_until_resumed(
    webhooks: WebhookServices,
    database: Database,
    receiver: Receiver,
    tenant_id: str,
    record_event: RecordEvent,
) -> None:
    created = await webhooks.subscriptions.create(tenant_id, receiver.url, ["*"])
    queued = await record_event("meeting.created", {"id": "queued"})
    await dispatch_events(database)  # its delivery exists, not yet attempted

    paused = await webhooks.subscriptions.update(tenant_id, created.id, enabled=False)
    await record_event("meeting.created", {"id": "while-paused"})
    await webhooks.dispatcher.run_once()
    assert receiver.received() == []
    assert paused.enabled is False
    assert paused.disabled_at is not None

    resumed = await webhooks.subscriptions.update(tenant_id, created.id, enabled=True)
    await webhooks.dispatcher.run_once()

    assert (resumed.enabled, resumed.disabled_at) == (True, None)
    # The queued delivery resumed; the event recorded while paused was never meant for it.
    assert [r.webhook_id for r in receiver.received()] == [queued.id]
