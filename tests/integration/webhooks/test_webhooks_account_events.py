"""`integrated_account.*` events: written with the status change, delivered like any other."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from webhooks_support import Drain, Receiver

from parley.config import Settings
from parley.runtime import Runtime
from parley.sandbox import SandboxConfig, SandboxServer
from parley.security import Vault
from parley.storage import Database


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    """The Chorus sandbox on a real socket."""
    with SandboxServer(SandboxConfig(seed=3, meetings=5)) as running:
        yield running


async def test_needs_reauth_and_active_again_are_delivered_when_the_status_changes(
    database: Database,
    vault: Vault,
    hook_settings: Settings,
    sandbox: SandboxServer,
    receiver: Receiver,
    tenant_id: str,
    drain: Drain,
) -> None:
    runtime = Runtime(hook_settings, database, vault)
    try:
        created = await runtime.webhooks.subscriptions.create(
            tenant_id,
            receiver.url,
            ["integrated_account.needs_reauth", "integrated_account.active"],
        )
        account = await runtime.accounts.link(tenant_id, "chorus", sandbox.token, sandbox.url)
        user_id = sandbox.state.tokens.snapshot()[sandbox.token]

        sandbox.state.tokens.revoke(sandbox.token)
        assert (await runtime.accounts.validate(tenant_id, account.id)).status == "needs_reauth"
        sandbox.state.tokens.add(sandbox.token, user_id)
        assert (await runtime.accounts.validate(tenant_id, account.id)).status == "active"
        await drain(lambda: len(receiver.received()) == 3)

        # Webhooks promise no order between events: the payload timestamp gives it.
        bodies = sorted(
            (request.verify(created.secret) for request in receiver.received()),
            key=lambda body: datetime.fromisoformat(body["timestamp"]),
        )
        assert [(body["type"], body["data"]["status"]) for body in bodies] == [
            ("integrated_account.active", "active"),
            ("integrated_account.needs_reauth", "needs_reauth"),
            ("integrated_account.active", "active"),
        ]
        assert {body["data"]["id"] for body in bodies} == {account.id}
    finally:
        # The database is the fixture's; the runtime's provider connections are its own.
        assert runtime.http.pool is not None
        await runtime.http.pool.aclose()

    assert all(sandbox.token not in request.body.decode() for request in receiver.received())
