"""Page hooks: a derived computation joins every sync page's transaction.

The hook here is a real one, written for the test: it keeps one row per new or changed
meeting in a table of its own (with what it saw inside the transaction) and deletes a
meeting's row when the sync deletes the meeting.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Sequence

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sync_harness import MakeSynced, Synced

from parley.sandbox.config import SandboxConfig
from parley.sandbox.server import SandboxServer
from parley.storage import Database, StoredMeeting, SyncRun
from parley.storage.page_hooks import PageContext
from parley.storage.repositories.events import EventRepository
from parley.sync import RunStatus

_METADATA = MetaData()
#: The hook's derived rows: one per meeting, with what the hook saw when it wrote it.
DERIVED = Table(
    "test_page_hook_rows",
    _METADATA,
    Column("account_id", String(36), primary_key=True),
    Column("meeting_id", String(64), primary_key=True),
    Column("outcome", String(16)),
    Column("entries", Integer),
    # The run's committed pages when the hook ran: the checkpoint is written after it.
    Column("pages_before", Integer),
)


class DerivingHook:
    """Writes a derived row per changed meeting; fails on call `fail_on` (1-based) if set."""

    def __init__(self, *, fail_on: int | None = None) -> None:
        self.pages: list[PageContext] = []
        self._fail_on = fail_on
        #: Fail when told of deleted meetings (after deleting their derived rows).
        self.fail_on_deletions = False

    async def on_page(self, session: AsyncSession, page: PageContext) -> None:
        self.pages.append(page)
        ids = [m.id for m in page.changed]
        # The page's meetings are already written in this transaction.
        stored = await session.scalar(
            select(func.count())
            .select_from(StoredMeeting)
            .where(StoredMeeting.account_id == page.account_id, StoredMeeting.id.in_(ids))
        )
        assert stored == len(ids)
        run = await session.get(SyncRun, page.run_id)
        assert run is not None
        pages_before = int((run.checkpoint or {}).get("pages", 0))
        if ids:
            # An update replaces the row: the primary key makes a second insert fail.
            await session.execute(
                delete(DERIVED).where(
                    DERIVED.c.account_id == page.account_id, DERIVED.c.meeting_id.in_(ids)
                )
            )
            rows = [
                {
                    "account_id": page.account_id,
                    "meeting_id": m.id,
                    "outcome": m.outcome.value,
                    "entries": len(m.record.entries),
                    "pages_before": pages_before,
                }
                for m in page.changed
            ]
            await session.execute(insert(DERIVED), rows)
            # And an outbox event per meeting, committed (or not) with the page.
            events = EventRepository(session)
            for m in page.changed:
                data = {"id": m.id, "meeting_id": m.id}
                await events.record(
                    page.tenant_id, "keyword.matched", data, account_id=page.account_id
                )
        if page.deleted_ids:
            await session.execute(
                delete(DERIVED).where(
                    DERIVED.c.account_id == page.account_id,
                    DERIVED.c.meeting_id.in_(list(page.deleted_ids)),
                )
            )
        if self._fail_on is not None and len(self.pages) == self._fail_on:
            raise RuntimeError("the hook failed")
        if page.deleted_ids and self.fail_on_deletions:
            raise RuntimeError("the hook failed on deletions")

    @property
    def seen(self) -> list[str]:
        """Every meeting id handed over as new or changed, in order."""
        return [m.id for page in self.pages for m in page.changed]


@pytest.fixture
async def derived_table(database: Database) -> AsyncIterator[None]:
    async with database.engine.begin() as connection:
        await connection.run_sync(_METADATA.create_all)
    try:
        yield
    finally:
        async with database.engine.begin() as connection:
            await connection.run_sync(_METADATA.drop_all)


async def _derived(synced: Synced) -> dict[str, tuple[str, int, int]]:
    async with synced.db.session() as session:
        rows = await session.execute(
            select(
                DERIVED.c.meeting_id, DERIVED.c.outcome, DERIVED.c.entries, DERIVED.c.pages_before
            )
        )
        return {id_: (outcome, entries, before) for id_, outcome, entries, before in rows}


async def _stored(synced: Synced) -> set[str]:
    async with synced.db.session() as session:
        return set(await session.scalars(select(StoredMeeting.id)))


def _live(sandbox: SandboxServer) -> Sequence[str]:
    return [m.id for m in sandbox.state.store.newest_first()]


@pytest.mark.usefixtures("derived_table")
async def test_a_page_hook_sees_each_new_meeting_once_inside_its_page(
    make_synced: MakeSynced,
) -> None:
    hook = DerivingHook()
    with SandboxServer(SandboxConfig(seed=81, meetings=230)) as sandbox:
        synced = await make_synced(sandbox, hooks=[hook])
        run = await synced.sync()
        live = _live(sandbox)

    assert run.status is RunStatus.COMPLETED, run.errors
    assert len(hook.pages) == run.counts["pages"] >= 3  # once per committed page
    assert Counter(hook.seen) == Counter(set(live))  # every meeting, once each
    assert all(p.account_id == synced.account_id and p.run_id == run.id for p in hook.pages)
    assert all(p.tenant_id == synced.tenant_id and not p.deleted_ids for p in hook.pages)
    derived = await _derived(synced)
    assert set(derived) == await _stored(synced) == set(live)
    assert {outcome for outcome, _, _ in derived.values()} == {"created"}
    matched = [id_ for type_, id_ in await synced.events() if type_ == "keyword.matched"]
    assert sorted(matched) == sorted(live)  # the hook's own events went out with the pages
    assert any(entries > 0 for _, entries, _ in derived.values())  # transcripts handed over
    # Each page's rows were written before that page's checkpoint: 0, 1, 2, … pages before.
    assert sorted({before for _, _, before in derived.values()}) == list(
        range(len([p for p in hook.pages if p.changed]))
    )


@pytest.mark.usefixtures("derived_table")
async def test_a_page_hook_hears_nothing_of_an_unchanged_resync_and_of_changes_only_theirs(
    make_synced: MakeSynced,
) -> None:
    hook = DerivingHook()
    with SandboxServer(SandboxConfig(seed=82, meetings=150)) as sandbox:
        synced = await make_synced(sandbox, hooks=[hook])
        await synced.sync()
        hook.pages.clear()
        unchanged = await synced.sync(full=True)
        unchanged_pages = list(hook.pages)
        hook.pages.clear()
        ids = _live(sandbox)
        changed, deleted = ids[2], ids[120]
        sandbox.state.store.patch(changed, {"subject": "Renamed in Chorus"})
        sandbox.state.store.delete(deleted)
        second = await synced.sync(full=True)

    assert unchanged.status is second.status is RunStatus.COMPLETED
    assert unchanged_pages  # still called for each page …
    assert all(not p.changed and not p.deleted_ids for p in unchanged_pages)  # … with nothing
    assert hook.seen == [changed]
    assert [list(p.deleted_ids) for p in hook.pages if p.deleted_ids] == [[deleted]]
    after = await _derived(synced)
    assert after[changed][0] == "updated"
    assert deleted not in after  # the derived row went with its meeting
    assert set(after) == await _stored(synced)


@pytest.mark.usefixtures("derived_table")
async def test_a_failing_page_hook_fails_the_page_and_commits_none_of_it(
    make_synced: MakeSynced,
) -> None:
    hook = DerivingHook(fail_on=2)
    with SandboxServer(SandboxConfig(seed=83, meetings=250)) as sandbox:
        synced = await make_synced(sandbox, hooks=[hook])
        run = await synced.sync()

    first_page = {m.id for m in hook.pages[0].changed}
    failed_page = {m.id for m in hook.pages[1].changed}
    assert run.status is RunStatus.FAILED
    assert [e["code"] for e in run.errors] == ["internal_error"]
    assert run.counts["pages"] == 1  # the checkpoint stands after the first page
    assert failed_page
    assert not failed_page & first_page
    # The first page committed with its derived rows; nothing of the failed page did.
    assert await _stored(synced) == set(await _derived(synced)) == first_page
    events = await synced.events()
    assert {id_ for type_, id_ in events if type_ == "meeting.created"} == first_page
    assert {id_ for type_, id_ in events if type_ == "keyword.matched"} == first_page


@pytest.mark.usefixtures("derived_table")
async def test_a_page_hook_failing_on_deletions_fails_the_run_and_keeps_the_meeting(
    make_synced: MakeSynced,
) -> None:
    hook = DerivingHook()
    with SandboxServer(SandboxConfig(seed=84, meetings=120)) as sandbox:
        synced = await make_synced(sandbox, hooks=[hook])
        await synced.sync()
        deleted = _live(sandbox)[100]
        sandbox.state.store.delete(deleted)
        hook.fail_on_deletions = True
        failed = await synced.sync(full=True)

    assert failed.status is RunStatus.FAILED
    assert [(e["stage"], e["code"]) for e in failed.errors] == [("deletions", "internal_error")]
    assert [list(p.deleted_ids) for p in hook.pages if p.deleted_ids] == [[deleted]]
    # Neither the meeting's deletion nor its derived row's committed.
    assert deleted in await _stored(synced)
    assert deleted in await _derived(synced)
    assert "meeting.deleted" not in {type_ for type_, _ in await synced.events()}
