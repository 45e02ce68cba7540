"""History retention: ended sync runs and delivered events older than the period are pruned."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from parley.storage import (
    Database,
    Event,
    IntegratedAccount,
    SyncRun,
    Tenant,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
    new_id,
    utcnow,
)
from parley.storage.repositories.retention import ENDED_DELIVERY, ENDED_RUN
from parley.sync import RunStatus, SyncOptions, SyncRuns, SyncScheduler
from parley.webhooks.views import DeliveryStatus

OLD = timedelta(days=40)


def _scheduler(database: Database, retention: timedelta) -> SyncScheduler:
    class Held:  # runs the tick hands over stay queued: this test is about pruning
        async def enqueue(self, run_id: str, account_id: str) -> None:
            return None

    return SyncScheduler(database, SyncRuns(database, Held(), SyncOptions(retention=retention)))


async def _history(database: Database) -> None:
    """Runs and events, old and recent, ended and not; ids say which is which."""
    now = utcnow()
    async with database.session() as session:
        session.add(tenant := Tenant(id=new_id(), name="acme", created_at=now))
        await session.flush()
        account = IntegratedAccount(
            id=new_id(), tenant_id=tenant.id, integration="chorus", status="active",
            credentials_ciphertext=b"sealed", key_id="k", settings={},
            created_at=now, updated_at=now,
        )  # fmt: skip
        hooks = [
            WebhookSubscription(
                tenant_id=tenant.id, url=f"https://example.test/{n}", events=["meeting.created"],
                secret_ciphertext=b"sealed", key_id="k",
            )
            for n in range(2)
        ]  # fmt: skip
        session.add_all([account, *hooks])
        await session.flush()
        for status in ("completed", "failed", "running", "queued"):
            for age, label in ((OLD, "old"), (timedelta(days=1), "new")):
                session.add(
                    SyncRun(
                        id=f"run-{label}-{status}", account_id=account.id, tenant_id=tenant.id,
                        status=status, created_at=now - age,
                    )
                )  # fmt: skip
        events = {
            # id: (age, dispatched, delivery statuses)
            "msg_old_delivered": (OLD, True, ["succeeded", "failed"]),
            "msg_old_retrying": (OLD, True, ["succeeded", "pending"]),
            "msg_old_undispatched": (OLD, False, []),
            "msg_old_no_subscriber": (OLD, True, []),
            "msg_new_delivered": (timedelta(days=1), True, ["succeeded"]),
        }
        for event_id, (age, dispatched, statuses) in events.items():
            at = now - age
            session.add(
                Event(
                    id=event_id, tenant_id=tenant.id, type="meeting.created", payload={},
                    created_at=at, dispatched_at=at if dispatched else None,
                )
            )  # fmt: skip
            await session.flush()
            for n, status in enumerate(statuses):
                delivery = WebhookDelivery(
                    id=f"{event_id}-{n}", webhook_id=hooks[n].id, event_id=event_id,
                    tenant_id=tenant.id, status=status, attempts=1,
                )  # fmt: skip
                session.add(delivery)
                await session.flush()
                session.add(WebhookAttempt(delivery_id=delivery.id, status_code=200))


async def _ids(database: Database, column: object) -> set[str]:
    async with database.session() as session:
        return set(await session.scalars(select(column)))  # type: ignore[call-overload]


async def test_prune_keeps_what_is_recent_or_unfinished(database: Database) -> None:
    await _history(database)

    counts = await _scheduler(database, timedelta(days=30)).prune(utcnow())

    assert counts == {"sync_runs": 2, "events": 2}
    assert await _ids(database, SyncRun.id) == {
        "run-old-running", "run-old-queued",
        "run-new-completed", "run-new-failed", "run-new-running", "run-new-queued",
    }  # fmt: skip
    assert await _ids(database, Event.id) == {
        "msg_old_retrying", "msg_old_undispatched", "msg_new_delivered",
    }  # fmt: skip
    # The pruned events' deliveries and attempts went with them (cascade), no orphan left.
    assert await _ids(database, WebhookDelivery.id) == {
        "msg_old_retrying-0", "msg_old_retrying-1", "msg_new_delivered-0",
    }  # fmt: skip
    async with database.session() as session:
        attempts = await session.scalar(select(func.count()).select_from(WebhookAttempt))
    assert attempts == 3


async def test_zero_retention_keeps_everything(database: Database) -> None:
    await _history(database)

    counts = await _scheduler(database, timedelta(0)).prune(utcnow())

    assert counts == {"sync_runs": 0, "events": 0}
    assert len(await _ids(database, SyncRun.id)) == 8
    assert len(await _ids(database, Event.id)) == 5


async def test_a_tick_prunes_at_most_once_an_hour(database: Database) -> None:
    await _history(database)
    scheduler = _scheduler(database, timedelta(days=30))

    await scheduler.tick()
    assert "run-old-completed" not in await _ids(database, SyncRun.id)
    async with database.session() as session:
        await session.execute(
            SyncRun.__table__.update().values(created_at=utcnow() - OLD)  # type: ignore[attr-defined]
        )
    await scheduler.tick()  # within the hour: nothing more goes

    assert "run-new-completed" in await _ids(database, SyncRun.id)


def test_ended_statuses_are_the_services_own() -> None:
    assert set(ENDED_RUN) == {RunStatus.COMPLETED.value, RunStatus.FAILED.value}
    assert set(ENDED_DELIVERY) == {DeliveryStatus.SUCCEEDED.value, DeliveryStatus.FAILED.value}
