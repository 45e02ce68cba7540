"""A sync through 5xx, 429 and truncated bodies stores exactly what a fault-free sync does."""

from __future__ import annotations

from typing import cast

from sync_harness import MakeSynced

from parley.sandbox.config import FaultConfig, SandboxConfig
from parley.sandbox.server import SandboxServer
from parley.storage.repositories.store import StoreRepository
from parley.sync import RunStatus


async def test_sync_through_faults_ends_with_the_same_store_as_without(
    make_synced: MakeSynced,
) -> None:
    with SandboxServer(SandboxConfig(seed=31, meetings=150)) as sandbox:
        synced = await make_synced(sandbox)
        clean = await synced.sync()
        clean_digest = await synced.digest()
        async with synced.db.session() as session:
            store = StoreRepository(session)
            stored = await store.meeting_ids_between(synced.account_id, None, None)
            await store.delete_meetings(synced.account_id, stored)
        assert await synced.digest() != clean_digest

        sandbox.set_faults(
            FaultConfig(error_rate=0.2, rate_limit_rps=20, truncate_rate=0.1, latency_ms=2)
        )
        sandbox.reset_stats()
        faulty = await synced.sync(full=True)
        stats = sandbox.stats()

    assert clean.status is faulty.status is RunStatus.COMPLETED, faulty.errors
    assert faulty.counts["created"] == 150
    assert await synced.digest() == clean_digest
    assert cast(int, stats["errors_injected"]) > 0
    assert cast(int, stats["rate_limited"]) > 0
    assert cast(int, stats["truncated"]) > 0
