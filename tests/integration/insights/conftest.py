"""Insight fixtures: the CRM service and an account to load; keyword rules over a sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from crm_seed import add_account
from rules_harness import QueuedBackfills, RulesHarness

from parley.accounts.integrated_accounts import IntegratedAccountService
from parley.accounts.tenants import TenantService
from parley.config import Settings
from parley.http import HttpOptions, RetryPolicy, TokenBucketLimiter
from parley.insights.contacts import CrmService
from parley.insights.keyword_services import KeywordServices
from parley.insights.rules import RuleService
from parley.reads.cursor import CursorCodec
from parley.reads.store import StoreReader
from parley.sandbox.config import SandboxConfig
from parley.sandbox.server import SandboxServer
from parley.security import Vault
from parley.storage import Database
from parley.sync import RunExecutor, SyncOptions, SyncRuns

_RETRY = RetryPolicy(max_attempts=8, max_total_time=60.0, base_delay=0.01, max_delay=0.2)


@pytest.fixture
async def harness(
    database: Database, settings: Settings, vault: Vault
) -> AsyncIterator[RulesHarness]:
    """A 40-meeting sandbox, an account linked to it (not synced yet), the services."""
    with SandboxServer(SandboxConfig(seed=7, meetings=40)) as sandbox:
        http = HttpOptions(
            limiter=TokenBucketLimiter(500.0, min_rate=5.0), policy=_RETRY, timeout=60.0
        )
        accounts = IntegratedAccountService(database, vault, settings, http)
        tenant = await TenantService(database).get_or_create("acme")
        account = await accounts.link(tenant.id, "chorus", sandbox.token, sandbox.url)
        options: Any = SyncOptions(concurrency=8, retries=6, retry_delay=0.05)
        keywords = KeywordServices.build(
            database, vault.signer(b"cursor"), "http://parley.test", None
        )
        # Backfills run when the test says (`backfiller.run`), not in a background task.
        keywords.rules = RuleService(database, QueuedBackfills(), keywords.triggers.cache)
        reader = StoreReader(database, CursorCodec(vault.signer(b"cursor")))
        runs = SyncRuns(database, None, options)
        # Most tests call the hook themselves (`harness.store`); `sync(hooked=True)` runs
        # the sync with the keyword triggers as its page hook, as the Runtime does.
        executors = (
            RunExecutor(database, accounts.use_for_sync, options),
            RunExecutor(database, accounts.use_for_sync, options, hooks=[keywords.triggers]),
        )
        yield RulesHarness(
            database, sandbox, runs, executors, keywords, reader, tenant.id, account.id
        )


@pytest.fixture
async def account(database: Database) -> tuple[str, str]:
    """(tenant id, account id) of tenant `acme` with an empty synced copy."""
    return await add_account(database)


@pytest.fixture
def crm(database: Database, vault: Vault) -> CrmService:
    """The CRM service over the test database; links under http://parley.test."""
    return CrmService(database, vault.signer(b"crm-cursor"), public_url="http://parley.test")
