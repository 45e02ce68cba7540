"""Scale mode: a rule's backfill is a procrastinate job that `parley worker` runs."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from scale_support import scale_settings, start_worker, stop_worker

from parley.insights.rules import RuleChange
from parley.insights.snippet_feed import FeedQuery
from parley.runtime import Runtime
from parley.sandbox import SandboxConfig, SandboxServer

pytestmark = pytest.mark.postgres


async def test_a_worker_runs_the_backfill_the_api_process_deferred(
    scale_database_url: str, tmp_path: Path
) -> None:
    settings = scale_settings(scale_database_url, tmp_path)
    with SandboxServer(SandboxConfig(seed=7, meetings=20)) as sandbox:
        runtime = await Runtime.start(settings)
        try:
            tenant = await runtime.tenants.get_or_create("acme")
            account = await runtime.accounts.link(tenant.id, "chorus", sandbox.token, sandbox.url)
            run, _ = await runtime.sync.create(None, account.id, full=True)
            assert (await runtime.sync_executor.execute(run.id)).status == "completed"
            rules = runtime.keywords.rules
            rule = await rules.create(
                tenant.id, RuleChange(name="Talk", phrases=["pricing", "integrat*", "bug"])
            )
            await asyncio.sleep(1.0)  # no worker yet: the API process never runs backfills
            waiting = await rules.get(tenant.id, rule.id)
            worker = start_worker(settings)
            try:
                deadline = time.monotonic() + 60
                done = waiting
                while done.backfill.status not in ("completed", "failed"):
                    assert time.monotonic() < deadline, done
                    await asyncio.sleep(0.2)
                    done = await rules.get(tenant.id, rule.id)
            finally:
                code, err = stop_worker(worker)
            query = FeedQuery(tenant_id=tenant.id, rule_id=rule.id)
            found, _ = await runtime.keywords.feed.page(query, limit=100)
        finally:
            await runtime.close()

    assert waiting.backfill.status == "queued"
    assert done.backfill.status == "completed", done.backfill.error
    assert done.backfill.meetings_scanned > 0
    assert done.backfill.snippets == len(found) > 0
    assert code == 0, err
