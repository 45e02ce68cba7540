"""An interrupted sync resumes from its checkpoint: same store, no event twice."""

from __future__ import annotations

import asyncio
from collections import Counter

from sync_harness import MakeSynced, Synced

from parley.sandbox.config import FaultConfig, SandboxConfig
from parley.sandbox.server import SandboxServer
from parley.storage.repositories.store import StoreRepository
from parley.sync import RunStatus


async def _committed_pages(synced: Synced, run_id: str) -> int:
    view = await synced.runs.get(None, run_id)
    return int((view.checkpoint or {}).get("pages", 0))


async def test_sync_interrupted_run_resumes_from_its_checkpoint(make_synced: MakeSynced) -> None:
    # Slow answers give the test time to interrupt between two committed pages.
    config = SandboxConfig(seed=41, meetings=250, faults=FaultConfig(latency_ms=15))
    with SandboxServer(config) as sandbox:
        synced = await make_synced(sandbox)
        run, _ = await synced.runs.create(synced.tenant_id, synced.account_id)
        task = asyncio.create_task(synced.executor.execute(run.id))
        while await _committed_pages(synced, run.id) < 1:
            assert not task.done()
            await asyncio.sleep(0.02)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        interrupted = await synced.runs.get(None, run.id)

        resumed = await synced.executor.execute(run.id)
        again = await synced.executor.execute(run.id)  # a finished run is left alone
        resumed_digest = await synced.digest()
        events = await synced.events()

        async with synced.db.session() as session:
            store = StoreRepository(session)
            ids = await store.meeting_ids_between(synced.account_id, None, None)
            await store.delete_meetings(synced.account_id, ids)
        reference = await synced.sync(full=True)

    assert interrupted.status is RunStatus.QUEUED
    assert 1 <= interrupted.counts["pages"] < 4  # 100, 100, 50, then an empty page
    assert resumed.status is RunStatus.COMPLETED, resumed.errors
    assert resumed.attempts == 2
    assert resumed.counts["pages"] == 4
    assert resumed.counts["created"] == 250
    assert again == resumed
    created = Counter(i for t, i in events if t == "meeting.created")
    assert len(created) == 250
    assert set(created.values()) == {1}
    assert [t for t, _ in events].count("sync_run.completed") == 1
    assert reference.status is RunStatus.COMPLETED
    assert await synced.digest() == resumed_digest
