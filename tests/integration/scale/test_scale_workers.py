"""Scale mode: `parley worker` processes run the syncs the API queues, within each budget."""

from __future__ import annotations

from pathlib import Path

import pytest
from scale_support import (
    run_workers,
    scale_settings,
    start_worker,
    stop_worker,
    token_stats,
    wait_finished,
)

from parley.runtime import Runtime
from parley.sandbox import FaultConfig, SandboxConfig, SandboxServer
from parley.sync import RunStatus

pytestmark = pytest.mark.postgres

BUDGET = 6.0  # PARLEY_CHORUS_MAX_RATE: requests per second per account, all processes
HIDDEN_LIMIT = 9  # the sandbox refuses more than this per token in any rolling second
TOKENS = ("sbx_scale_account_a", "sbx_scale_account_b")


async def test_two_workers_sync_two_accounts_at_once_within_each_budget(
    scale_database_url: str, tmp_path: Path
) -> None:
    faults = FaultConfig(rate_limit_rps=HIDDEN_LIMIT)
    config = SandboxConfig(seed=11, meetings=24, tokens=TOKENS, faults=faults)
    settings = scale_settings(
        scale_database_url, tmp_path, chorus_rate_limit=BUDGET, chorus_max_rate=BUDGET
    )
    with SandboxServer(config) as sandbox:
        runtime = await Runtime.start(settings)
        try:
            tenant = await runtime.tenants.get_or_create("acme")
            accounts = [
                await runtime.accounts.link(tenant.id, "chorus", token, sandbox.url)
                for token in TOKENS
            ]
            runs = [await runtime.sync.start(tenant.id, a.id) for a in accounts]
            workers = [start_worker(settings, concurrency=1) for _ in range(2)]
            try:
                views = await wait_finished(runtime, [r.id for r in runs])
            finally:
                stopped = [stop_worker(w) for w in workers]
            executed_by = await run_workers(runtime)
        finally:
            await runtime.close()
        stats = [token_stats(sandbox, token) for token in TOKENS]

    assert [code for code, _ in stopped] == [0, 0], [err for _, err in stopped]
    assert [v.status for v in views] == [RunStatus.COMPLETED] * 2, [v.errors for v in views]
    assert all(v.counts["created"] == 24 for v in views)
    # One worker per account, at the same time.
    processes = {str(executed_by[r.id]).rsplit(":", 1)[0] for r in runs}  # host:pid:lease
    assert len(processes) == 2
    for per_token in stats:
        assert per_token["rate_limited"] == 0
        assert per_token["max_received_per_second"] <= HIDDEN_LIMIT
