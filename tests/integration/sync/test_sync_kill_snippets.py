"""A sync killed with SIGKILL mid-run, with a keyword rule in place: resumed, no snippet and
no `keyword.matched` event twice, and the same snippets as a clean sync from scratch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta

from sqlalchemy import delete, select, update
from sync_harness import MakeSynced
from test_sync_kill import _wait_for_a_committed_page

from parley.config import Settings
from parley.insights.keyword_services import KeywordServices
from parley.insights.rules import RuleChange
from parley.sandbox.config import FaultConfig, SandboxConfig
from parley.sandbox.server import SandboxServer
from parley.security.vault import Vault
from parley.storage import Database, Event, SnippetRow, SyncState, utcnow
from parley.storage.repositories.store import StoreRepository
from parley.sync import RunStatus


async def _snippet_ids(db: Database) -> list[str]:
    async with db.session() as session:
        return list(await session.scalars(select(SnippetRow.id)))


async def _matched_snippet_ids(db: Database) -> list[str]:
    async with db.session() as session:
        rows = await session.scalars(select(Event).where(Event.type == "keyword.matched"))
        return [e.payload["data"]["id"] for e in rows]


async def test_killed_sync_with_a_keyword_rule_resumes_without_duplicate_snippets_or_events(
    make_synced: MakeSynced, settings: Settings, vault: Vault, database: Database
) -> None:
    keywords = KeywordServices.build(database, vault.signer(b"cursor"), settings.public_url, None)
    config = SandboxConfig(seed=53, meetings=250, faults=FaultConfig(latency_ms=15))
    with SandboxServer(config) as sandbox:
        synced = await make_synced(sandbox, hooks=[keywords.triggers])
        change = RuleChange(
            name="Pricing",
            phrases=["pricing", "discount*", "budget"],
            integrated_account_id=synced.account_id,
        )
        await keywords.rules.create(synced.tenant_id, change)
        assert keywords.local_queue is not None
        await keywords.local_queue.join()  # the backfill of the empty store is done
        assert settings.secret_key is not None
        env = {
            **os.environ,
            "PARLEY_DATABASE_URL": synced.db.url,
            "PARLEY_SECRET_KEY": settings.secret_key.get_secret_value(),
            "PARLEY_CHORUS_RATE_LIMIT": "200",
            "PARLEY_EGRESS_ALLOW": settings.egress_allow,
            "PARLEY_PUBLIC_URL": settings.public_url,
        }
        cli = subprocess.Popen(
            [sys.executable, "-m", "parley.cli", "sync", synced.account_id],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            run_id = await _wait_for_a_committed_page(synced.runs, synced.account_id, cli)
        finally:
            cli.send_signal(signal.SIGKILL)
            cli.wait(timeout=30)
        killed = await synced.runs.get(None, run_id)
        before_resume = await _snippet_ids(database)
        async with synced.db.session() as session:  # the dead process's lease runs out
            await session.execute(
                update(SyncState)
                .where(SyncState.account_id == synced.account_id)
                .values(lease_until=utcnow() - timedelta(seconds=1))
            )
        resumed = await synced.executor.execute(run_id)
        resumed_ids = await _snippet_ids(database)
        matched = await _matched_snippet_ids(database)
        # From scratch: nothing stored, the same rule, a clean full sync.
        async with synced.db.session() as session:
            store = StoreRepository(session)
            ids = await store.meeting_ids_between(synced.account_id, None, None)
            await store.delete_meetings(synced.account_id, ids)
            await session.execute(delete(SnippetRow))
        clean = await synced.sync(full=True)
        clean_ids = await _snippet_ids(database)

    assert killed.status is RunStatus.RUNNING
    assert resumed.status is RunStatus.COMPLETED, resumed.errors
    assert resumed.attempts == 2
    assert clean.status is RunStatus.COMPLETED, clean.errors
    # The killed process had committed snippets of its pages; the resumed run made the rest.
    assert 0 < len(before_resume) < len(resumed_ids)
    assert len(set(resumed_ids)) == len(resumed_ids)
    counts = Counter(matched)
    assert set(counts.values()) == {1}, [i for i, n in counts.items() if n > 1]
    assert set(counts) == set(resumed_ids)
    assert set(resumed_ids) == set(clean_ids)
