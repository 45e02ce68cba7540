"""Keyword-rule fixtures: an account synced from a sandbox, and the keyword services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from rules_harness import QueuedBackfills, RulesHarness

from parley.accounts.integrated_accounts import IntegratedAccountService
from parley.accounts.tenants import TenantService
from parley.config import Settings
from parley.http import HttpOptions, RetryPolicy, TokenBucketLimiter
from parley.insights.keyword_services import KeywordServices
from parley.insights.rules import RuleService
from parley.reads.cursor import CursorCodec
from parley.reads.store import StoreReader
from parley.sandbox.config import SandboxConfig
from parley.sandbox.server import SandboxServer
from parley.security import Vault
from parley.storage import Database
from parley.sync import SyncOptions, SyncService

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
        service = SyncService(database, accounts.use, options)
        keywords = KeywordServices.build(
            database, vault.signer(b"cursor"), "http://parley.test", None
        )
        # Backfills run when the test says (`backfiller.run`), not in a background task.
        keywords.rules = RuleService(database, QueuedBackfills(), keywords.triggers.cache)
        reader = StoreReader(database, CursorCodec(vault.signer(b"cursor")))
        yield RulesHarness(database, sandbox, service, keywords, reader, tenant.id, account.id)
