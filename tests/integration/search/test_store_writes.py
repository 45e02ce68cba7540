"""Writes to the synced copy that must hold on SQLite and PostgreSQL alike."""

from __future__ import annotations

from search_seed import line, meeting, store, store_people
from sqlalchemy import update

from parley.insights import SearchFilters, TranscriptSearch
from parley.reads.store import StoreReader
from parley.storage import Database, StoredMeeting
from parley.storage.repositories.store import StoreRepository, WriteOutcome, meeting_record
from parley.unified import Meeting, Team, TranscriptEntry, User


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


def _unrounded(meeting_id: str, text: str) -> Meeting:
    """A meeting as mapped before seconds were rounded: a sum of provider floats kept whole."""
    built = meeting(meeting_id, [line(0, text, start=2200.2)])
    entries = [
        TranscriptEntry.model_construct(**{**e.model_dump(), "end_time": 2200.2 + 8.2})
        for e in built.transcript or []
    ]
    return built.model_construct(**{**dict(built), "duration": 1800.0004, "transcript": entries})


async def test_a_meeting_stored_before_rounding_is_unchanged_and_rehashed(
    database: Database, account: str, reader: StoreReader, search: TranscriptSearch
) -> None:
    # Seconds are rounded to the millisecond now; a store written before holds
    # `2208.3999999999996` and a version-2 hash of it. Mapping the same provider data again
    # gives `2208.4`: that is no `meeting.updated`, while a real edit still is.
    old = [_unrounded("m1", "Budget review"), _unrounded("m2", "Old text")]
    before = [meeting_record(m, has_details=True) for m in old]
    assert before[0].entries[0][6] == 2208.3999999999996
    async with database.session() as session:
        repository = StoreRepository(session)
        await repository.write_meetings(account, before, {})
        for record in before:
            await session.execute(
                update(StoredMeeting)
                .where(StoredMeeting.account_id == account, StoredMeeting.id == record.id)
                .values(content_hash="2:" + record.content_hash[2:])
            )

    # Stored reads and search already answer milliseconds.
    stored = await reader.get_meeting(account, "m1")
    assert (stored.duration, (stored.transcript or [])[0].end_time) == (1800.0, 2208.4)
    (hit,) = (await search.search("budget", SearchFilters((account,)))).hits
    assert (hit.start_time, hit.end_time) == (2200.2, 2208.4)

    again = [Meeting.model_validate(m.model_dump()) for m in old]
    again[1] = again[1].model_copy(update={"title": "Renamed"})
    fresh = [meeting_record(m, has_details=True) for m in again]
    assert fresh[0].entries[0][6] == 2208.4
    assert not fresh[0].same_content("2:" + before[0].content_hash[2:])
    async with database.session() as session:
        repository = StoreRepository(session)
        states = await repository.meeting_states(account, ["m1", "m2"])
        outcomes = await repository.write_meetings(account, fresh, states)

    assert outcomes == [WriteOutcome.UNCHANGED, WriteOutcome.UPDATED]
    async with database.session() as session:
        states = await StoreRepository(session).meeting_states(account, ["m1", "m2"])
    assert [states[r.id].content_hash for r in fresh] == [r.content_hash for r in fresh]
    assert all(r.content_hash.startswith("3:") for r in fresh)
