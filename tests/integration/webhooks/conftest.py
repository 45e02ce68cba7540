"""Webhook fixtures: services over the test database with a short retry schedule, a receiver."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from webhooks_support import Drain, Receiver, RecordEvent

from parley.config import Settings
from parley.security import Vault
from parley.storage import Database, Event
from parley.storage.repositories import EventRepository, TenantRepository
from parley.webhooks import WebhookServices

#: Ten quick attempts: enough for a receiver that is down for a moment to come back.
QUICK_SCHEDULE = "0,0.1s,0.1s,0.2s,0.2s,0.2s,0.3s,0.3s,0.3s,0.3s"


@pytest.fixture
def hook_settings(settings: Settings) -> Settings:
    """Settings with a retry schedule of a few seconds and a short attempt timeout."""
    return settings.model_copy(
        update={"webhook_retry_schedule": QUICK_SCHEDULE, "webhook_timeout": 2.0}
    )


@pytest.fixture
def webhooks(database: Database, vault: Vault, hook_settings: Settings) -> WebhookServices:
    """Every webhook service over the test database."""
    return WebhookServices.build(database, vault, hook_settings)


@pytest.fixture
async def tenant_id(database: Database) -> str:
    """A tenant called acme."""
    async with database.session() as session:
        return (await TenantRepository(session).add("acme")).id


@pytest.fixture
async def other_tenant_id(database: Database) -> str:
    """A second tenant, for isolation tests."""
    async with database.session() as session:
        return (await TenantRepository(session).add("globex")).id


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A receiver that is up and answers 200."""
    running = Receiver().up()
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def down_receiver() -> Iterator[Receiver]:
    """A receiver whose port refuses connections until the test calls `up()`."""
    receiver = Receiver()
    try:
        yield receiver
    finally:
        receiver.close()


@pytest.fixture
def record_event(database: Database, tenant_id: str) -> RecordEvent:
    """Writes one outbox event (committed) as a service would; returns it."""

    async def record(type_: str, data: dict[str, Any], *, tenant: str | None = None) -> Event:
        async with database.session() as session:
            return await EventRepository(session).record(tenant or tenant_id, type_, data)

    return record


@pytest.fixture
def drain(webhooks: WebhookServices) -> Drain:
    """Runs dispatcher passes until a condition holds (fails after 20 s)."""

    async def run(done: Callable[[], bool]) -> None:
        async with asyncio.timeout(20):
            while not done():
                await webhooks.dispatcher.run_once()
                await asyncio.sleep(0.05)

    return run
