"""Two syncs around changes in Chorus: the store follows and says so in events."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sync_harness import MakeSynced

from parley.sandbox.config import SandboxConfig
from parley.sandbox.server import SandboxServer
from parley.storage import StoredMeeting, StoredTeam, StoredTranscriptEntry, StoredUser
from parley.sync import RunStatus


def _live_ids(sandbox: SandboxServer) -> list[str]:
    return [m.id for m in sandbox.state.store.newest_first()]


async def test_sync_first_pass_stores_every_meeting_and_emits_created(
    make_synced: MakeSynced,
) -> None:
    with SandboxServer(SandboxConfig(seed=21, meetings=120)) as sandbox:
        synced = await make_synced(sandbox)
        run = await synced.sync()
        done = [m for m in sandbox.state.store.newest_first() if m.status == "done"]

    assert run.status is RunStatus.COMPLETED, run.errors
    assert run.counts["created"] == 120
    assert run.counts["details_fetched"] == len(done)
    events = await synced.events()
    assert Counter(t for t, _ in events) == {"meeting.created": 120, "sync_run.completed": 1}
    async with synced.db.session() as session:
        stored = set((await session.execute(select(StoredMeeting.id))).scalars())
        entries = await session.scalar(select(func.count()).select_from(StoredTranscriptEntry))
        users = await session.scalar(select(func.count()).select_from(StoredUser))
        teams = await session.scalar(select(func.count()).select_from(StoredTeam))
    assert stored == set(_live_ids(sandbox))
    assert entries
    assert entries >= 30 * len(done)
    assert users
    assert teams


async def test_sync_changed_and_deleted_meetings_are_updated_and_deleted(
    make_synced: MakeSynced,
) -> None:
    with SandboxServer(SandboxConfig(seed=22, meetings=150)) as sandbox:
        synced = await make_synced(sandbox)
        first = await synced.sync()
        ids = _live_ids(sandbox)
        # The newest completed call (the newest few may still be processing or scheduled).
        changed = next(m.id for m in sandbox.state.store.newest_first() if m.status == "done")
        deleted, processing = ids[140], ids[60]
        sandbox.state.store.patch(changed, {"subject": "Renamed in Chorus"})
        sandbox.state.store.patch(processing, {"status": "processing"})
        sandbox.state.store.delete(deleted)
        before = len(await synced.events())
        # A full pass: the deleted meeting is months old, beyond the incremental look-back.
        second = await synced.sync(full=True)
        digest = await synced.digest()
        third = await synced.sync(full=True)

    assert first.status is second.status is RunStatus.COMPLETED
    events = (await synced.events())[before:]
    assert sorted(e for e in events if e[0].startswith("meeting.")) == sorted(
        [
            ("meeting.updated", changed),
            ("meeting.updated", processing),
            ("meeting.deleted", deleted),
        ]
    )
    assert second.counts["updated"] == 2
    assert second.counts["deleted"] == 1
    assert second.counts["details_fetched"] == 1  # only the renamed completed call
    async with synced.db.session() as session:
        renamed = await session.get(StoredMeeting, (synced.account_id, changed))
        gone = await session.get(StoredMeeting, (synced.account_id, deleted))
        unfinished = await session.get(StoredMeeting, (synced.account_id, processing))
        kept_entries = await session.scalar(
            select(func.count())
            .select_from(StoredTranscriptEntry)
            .where(StoredTranscriptEntry.meeting_id == processing)
        )
    assert renamed is not None
    assert renamed.title == "Renamed in Chorus"
    assert gone is None
    assert unfinished is not None
    assert unfinished.status == "processing"
    assert not unfinished.has_details
    assert kept_entries == 0
    # Nothing changed since: no meeting event, the same store.
    assert third.counts.get("created", 0) == third.counts.get("updated", 0) == 0
    assert [t for t, _ in (await synced.events())[-1:]] == ["sync_run.completed"]
    assert await synced.digest() == digest


async def test_sync_incremental_run_reads_only_the_lookback_window(
    make_synced: MakeSynced,
) -> None:
    with SandboxServer(SandboxConfig(seed=23, meetings=200)) as sandbox:
        synced = await make_synced(sandbox)
        first = await synced.sync()
        added = sandbox.state.store.add(2)
        second = await synced.sync()

    assert first.window_start is None
    assert second.window_start is not None
    assert second.window_end is not None
    assert second.counts["listed"] < 200
    assert second.counts["created"] == 2
    created = [i for t, i in await synced.events() if t == "meeting.created"]
    assert set(created[-2:]) == {m.id for m in added}
