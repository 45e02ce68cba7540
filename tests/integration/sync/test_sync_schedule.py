"""The embedded schedule: after its first sync an account is synced again when due."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sync_harness import MakeSynced

from parley.sandbox.config import SandboxConfig
from parley.sandbox.server import SandboxServer
from parley.sync import InProcessSyncQueue, RunStatus, SyncScheduler


async def test_sync_schedule_starts_due_accounts_in_process(make_synced: MakeSynced) -> None:
    with SandboxServer(SandboxConfig(seed=61, meetings=40)) as sandbox:
        synced = await make_synced(sandbox, interval=timedelta(milliseconds=300))
        queue = InProcessSyncQueue(synced.executor.execute)
        queued_runs = synced.queued_on(queue)
        scheduler = SyncScheduler(synced.db, queued_runs)

        nothing_yet = await scheduler.run_due()  # never synced: not scheduled
        first = await queued_runs.start(synced.tenant_id, synced.account_id)
        again = await queued_runs.start(synced.tenant_id, synced.account_id)
        await queue.join()
        too_early = await scheduler.run_due()
        await asyncio.sleep(0.4)
        started = await scheduler.run_due()
        await queue.join()
        runs, _ = await synced.runs.list(synced.tenant_id, synced.account_id)

    assert nothing_yet == []
    assert again.id == first.id  # one active run per account
    assert too_early == []
    assert len(started) == 1
    assert [r.trigger for r in runs] == ["schedule", "manual"]
    assert all(r.status is RunStatus.COMPLETED for r in runs)
    assert runs[0].window_start is not None  # incremental: the window minus the look-back


async def test_sync_a_run_left_queued_is_executed_by_the_next_tick(make_synced: MakeSynced) -> None:
    """E.g. a run whose execution found the lease busy: the schedule hands it over again."""
    with SandboxServer(SandboxConfig(seed=62, meetings=20)) as sandbox:
        synced = await make_synced(sandbox)
        queue = InProcessSyncQueue(synced.executor.execute)
        queued_runs = synced.queued_on(queue)
        scheduler = SyncScheduler(synced.db, queued_runs)
        left, _ = await synced.runs.create(synced.tenant_id, synced.account_id)

        await scheduler.tick()
        await scheduler.tick()  # while it still runs: not executed a second time
        await queue.join()
        runs, _ = await synced.runs.list(synced.tenant_id, synced.account_id)

    assert [(r.id, r.status, r.attempts) for r in runs] == [(left.id, RunStatus.COMPLETED, 1)]
