"""Analytics inputs are recorded by the sync's page hook, in the page's transaction."""

from __future__ import annotations

from sqlalchemy import select
from sync_harness import MakeSynced

from parley.insights.analytics import TeamAnalytics
from parley.sandbox.config import SandboxConfig
from parley.sandbox.server import SandboxServer
from parley.storage import Database, MeetingStats


async def _no_account(tenant_id: str | None, account_id: str) -> object:
    raise AssertionError("the page hook never looks an account up")


async def test_a_sync_records_the_inputs_of_every_counted_meeting_and_a_backfill_finds_none(
    make_synced: MakeSynced, database: Database
) -> None:
    analytics = TeamAnalytics(database, _no_account)  # type: ignore[arg-type]
    with SandboxServer(SandboxConfig(seed=5, meetings=30)) as sandbox:
        counted = {
            m.id
            for m in sandbox.state.store.newest_first()
            if m.status == "done" and m.has_transcript
        }
        synced = await make_synced(sandbox, hooks=[analytics])
        run = await synced.sync()
    assert run.status == "completed", run.errors
    async with database.session() as session:
        recorded = set(
            await session.scalars(
                select(MeetingStats.meeting_id).where(MeetingStats.account_id == synced.account_id)
            )
        )
    assert counted
    assert recorded == counted
    assert await analytics.backfill(synced.account_id) == 0
