"""`parley sync` killed with SIGKILL mid-run: the next execution resumes, nothing twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta

from sqlalchemy import update
from sync_harness import MakeSynced

from parley.config import Settings
from parley.sandbox.config import FaultConfig, SandboxConfig
from parley.sandbox.server import SandboxServer
from parley.storage import SyncState, utcnow
from parley.storage.repositories.store import StoreRepository
from parley.sync import RunStatus, SyncRuns


async def test_sync_killed_process_leaves_a_run_the_next_execution_finishes(
    make_synced: MakeSynced, settings: Settings
) -> None:
    config = SandboxConfig(seed=51, meetings=250, faults=FaultConfig(latency_ms=15))
    with SandboxServer(config) as sandbox:
        synced = await make_synced(sandbox)
        assert settings.secret_key is not None
        env = {
            **os.environ,
            "PARLEY_DATABASE_URL": synced.db.url,
            "PARLEY_SECRET_KEY": settings.secret_key.get_secret_value(),
            "PARLEY_CHORUS_RATE_LIMIT": "200",
            "PARLEY_EGRESS_ALLOW": settings.egress_allow,
            # Recording links in stored meetings are built from it.
            "PARLEY_PUBLIC_URL": settings.public_url,
        }
        cli = subprocess.Popen(
            [sys.executable, "-m", "parley.cli", "sync", synced.account_id],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            runs = await _wait_for_a_committed_page(synced.runs, synced.account_id, cli)
        finally:
            cli.send_signal(signal.SIGKILL)
            cli.wait(timeout=30)
        killed = await synced.runs.get(None, runs)
        # Time passes: the dead process's lease runs out.
        async with synced.db.session() as session:
            await session.execute(
                update(SyncState)
                .where(SyncState.account_id == synced.account_id)
                .values(lease_until=utcnow() - timedelta(seconds=1))
            )
        resumed = await synced.executor.execute(runs)
        events = await synced.events()
        digest = await synced.digest()
        async with synced.db.session() as session:
            store = StoreRepository(session)
            ids = await store.meeting_ids_between(synced.account_id, None, None)
            await store.delete_meetings(synced.account_id, ids)
        await synced.sync(full=True)

    assert killed.status is RunStatus.RUNNING
    assert killed.counts["pages"] >= 1
    assert resumed.status is RunStatus.COMPLETED, resumed.errors
    assert resumed.attempts == 2
    assert resumed.counts["created"] == 250
    created = Counter(i for t, i in events if t == "meeting.created")
    assert len(created) == 250
    assert set(created.values()) == {1}
    assert await synced.digest() == digest


async def _wait_for_a_committed_page(
    runs: SyncRuns, account_id: str, cli: subprocess.Popen[bytes]
) -> str:
    for _ in range(3000):
        assert cli.poll() is None, "the CLI ended before it could be killed"
        views, _ = await runs.list(None, account_id, limit=1)
        if views and (views[0].checkpoint or {}).get("pages", 0) >= 1:
            return views[0].id
        await asyncio.sleep(0.02)
    raise AssertionError("no page committed within a minute")
