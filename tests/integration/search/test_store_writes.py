"""Writes to the synced copy that must hold on SQLite and PostgreSQL alike."""

from __future__ import annotations

from search_seed import line, meeting, store, store_people
from sqlalchemy import update

from parley.insights import SearchFilters, TranscriptSearch
from parley.reads.store import StoreReader
from parley.storage import Database, StoredMeeting
from parley.storage.repositories.store import StoreRepository, WriteOutcome, meeting_record
from parley.unified import Team, User


async def test_nul_characters_from_the_provider_are_dropped(
    database: Database, account: str, search: TranscriptSearch, reader: StoreReader
) -> None:
    # PostgreSQL's text and JSONB refuse NUL: one in a provider's text used to fail every
    # page that held it, so the account's sync could never complete.
    dirty = meeting("m1", [line(0, "Budget\x00 review"), line(1, r"A literal \u0000 stays.")])
    dirty = dirty.model_copy(update={"title": "Q3\x00 plan", "remote_data": {"k\x00": "v\x00"}})

    await store(database, account, [dirty])
    await store_people(
        database,
        account,
        [User.model_validate({"id": "u1", "name": "Ana\x00 Rep"})],
        [Team.model_validate({"id": "t1", "name": "Sales\x00"})],
    )

    got = await reader.get_meeting(account, "m1")
    assert got.title == "Q3 plan"
    assert [e.text for e in got.transcript or []] == ["Budget review", r"A literal \u0000 stays."]
    assert (await reader.get_user(account, "u1")).name == "Ana Rep"
    assert (await reader.get_team(account, "t1")).name == "Sales"
    (hit,) = (await search.search("budget", SearchFilters((account,)))).hits
    assert (hit.meeting_id, hit.meeting_title) == ("m1", "Q3 plan")
    # The same meeting again is unchanged: the stored hash is that of the cleaned meeting.
    async with database.session() as session:
        repository = StoreRepository(session)
        record = meeting_record(dirty, has_details=True)
        states = await repository.meeting_states(account, [record.id])
        assert await repository.write_meetings(account, [record], states) == [
            WriteOutcome.UNCHANGED
        ]


async def test_a_meeting_stored_with_a_version_one_hash_is_unchanged_and_rehashed(
    database: Database, account: str
) -> None:
    # Stores written before version-2 hashes hold 64-hex version-1 ones: an unchanged
    # meeting must not become a `meeting.updated` after the upgrade.
    same = meeting("m1", [line(0, "Budget review"), line(1, "Pricing next.")])
    edited = meeting("m2", [line(0, "Old text")])
    await store(database, account, [same, edited])
    records = [meeting_record(m, has_details=True) for m in (same, edited)]
    async with database.session() as session:
        for record in records:
            await session.execute(
                update(StoredMeeting)
                .where(StoredMeeting.account_id == account, StoredMeeting.id == record.id)
                .values(content_hash=record.legacy_hash())
            )

    changed = meeting("m2", [line(0, "New text")])
    async with database.session() as session:
        repository = StoreRepository(session)
        fresh = [records[0], meeting_record(changed, has_details=True)]
        states = await repository.meeting_states(account, [r.id for r in fresh])
        assert all(len(s.content_hash) == 64 for s in states.values())
        outcomes = await repository.write_meetings(account, fresh, states)

    assert outcomes == [WriteOutcome.UNCHANGED, WriteOutcome.UPDATED]
    async with database.session() as session:
        states = await StoreRepository(session).meeting_states(account, ["m1", "m2"])
    assert states["m1"].content_hash == records[0].content_hash
    assert states["m2"].content_hash == fresh[1].content_hash
