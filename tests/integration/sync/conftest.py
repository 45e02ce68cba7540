"""Sync fixtures: a Chorus sandbox on a socket, an account linked to it, the sync service."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sync_harness import FAST_RETRY, FAST_SYNC, MakeSynced, Synced

from parley.accounts.integrated_accounts import IntegratedAccountService
from parley.accounts.tenants import TenantService
from parley.config import Settings
from parley.http import HttpOptions, TokenBucketLimiter
from parley.sandbox.server import SandboxServer
from parley.security import Vault
from parley.storage import Database
from parley.storage.page_hooks import PageHook
from parley.sync import RunExecutor, SyncOptions, SyncRuns


@pytest.fixture
def make_synced(database: Database, settings: Settings, vault: Vault) -> MakeSynced:
    """`await make_synced(sandbox)`: link an account to the sandbox and build the sync
    services (`hooks`: page hooks for the executor)."""

    async def make(
        sandbox: SandboxServer, *, hooks: Sequence[PageHook] = (), **options: Any
    ) -> Synced:
        http = HttpOptions(
            limiter=TokenBucketLimiter(200.0, min_rate=5.0), policy=FAST_RETRY, timeout=60.0
        )
        accounts = IntegratedAccountService(database, vault, settings, http)
        tenant = await TenantService(database).get_or_create("acme")
        account = await accounts.link(tenant.id, "chorus", sandbox.token, sandbox.url)
        sync_options = FAST_SYNC if not options else SyncOptions(**{**vars(FAST_SYNC), **options})
        executor = RunExecutor(database, accounts.use_for_sync, sync_options, hooks=hooks)
        runs = SyncRuns(database, None, sync_options)
        return Synced(database, sandbox, runs, executor, tenant.id, account.id)

    return make
