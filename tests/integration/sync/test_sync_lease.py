"""One sync per account at a time: two executions of one run do the work once."""

from __future__ import annotations

import asyncio
from collections import Counter

from sync_harness import MakeSynced

from parley.sandbox.config import FaultConfig, SandboxConfig
from parley.sandbox.server import SandboxServer
from parley.sync import RunStatus


async def test_sync_run_executed_twice_at_once_runs_once(make_synced: MakeSynced) -> None:
    config = SandboxConfig(seed=71, meetings=60, faults=FaultConfig(latency_ms=5))
    with SandboxServer(config) as sandbox:
        synced = await make_synced(sandbox)
        run, _ = await synced.runs.create(synced.tenant_id, synced.account_id)
        first, second = await asyncio.gather(
            synced.executor.execute(run.id), synced.executor.execute(run.id)
        )
        events = await synced.events()

    assert first == second
    assert first.status is RunStatus.COMPLETED
    assert first.attempts == 1
    assert Counter(t for t, _ in events) == {"meeting.created": 60, "sync_run.completed": 1}
