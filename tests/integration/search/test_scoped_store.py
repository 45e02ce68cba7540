"""Scoped reads of the synced copy: the visibility rules inside the store's queries, private
meetings, and `is_private` in the content hash, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from search_seed import line, meeting, store, store_people
from sqlalchemy import select

from parley.errors import NotFoundError
from parley.insights import SearchFilters, TranscriptSearch
from parley.insights.scoping import Role, Scoping
from parley.reads.store import StoreMeetingFilters, StoreReader
from parley.storage import Database, StoredMeeting
from parley.storage.repositories.store import StoreRepository, WriteOutcome, meeting_record
from parley.storage.repositories.store_records import canonical_json, meeting_hash
from parley.storage.scope import MeetingScope
from parley.unified import Meeting, Team, User


def _with(m: Meeting, **update: object) -> Meeting:
    return m.model_copy(update=update)


def _attending(m: Meeting, email: str) -> Meeting:
    data = m.model_dump()
    data["attendees"].append({"id": email, "email": email, "type": "user"})
    return Meeting.model_validate(data)


async def _seed(database: Database, account: str) -> None:
    await store_people(
        database,
        account,
        [
            User.model_validate({"id": "u1", "emails": [{"email": "Ana@Seller.example"}]}),
            User.model_validate({"id": "u2", "manager_id": "u4"}),
            User.model_validate({"id": "u3", "emails": [{"email": "cy@seller.example"}]}),
            User.model_validate({"id": "u4", "manager_id": "u2"}),  # a cycle: u2 <-> u4
            User.model_validate({"id": "u5", "manager_id": "u4"}),
        ],
        [Team.model_validate({"id": "t1", "manager_id": "u2", "member_ids": ["u1"]})],
    )
    talk = [line(0, "Pricing and budget for next year.")]
    await store(
        database,
        account,
        [
            meeting("m1", talk, owner="u1", days_ago=1),
            # u1 attends by email only, in another case.
            _attending(meeting("m2", talk, owner="u3", days_ago=2), "ANA@seller.example"),
            _with(meeting("m3", talk, owner="u1", days_ago=3), is_private=True),
            _with(
                _attending(meeting("m4", talk, owner="u3", days_ago=4), "ana@seller.example"),
                is_private=True,
            ),
            meeting("m5", talk, owner="u3", days_ago=5),
            meeting("m6", talk, owner="u5", days_ago=6),
        ],
    )


async def _scopes(database: Database, account: str) -> dict[str, MeetingScope]:
    scoping = Scoping(database)
    mappings = {
        "ann": ("u1", None, Role.MEMBER),
        "cy": (None, "CY@seller.example", Role.MEMBER),
        "max": ("u2", None, Role.MANAGER),
        "ada": ("u3", None, Role.ADMIN),
        "ghost": ("u404", None, Role.ADMIN),
    }
    for app_user, (user_id, email, role) in mappings.items():
        await scoping.put(account, app_user, provider_user_id=user_id, email=email, role=role)
    names = [*mappings, "stranger"]
    return {name: await scoping.scope(account, name) for name in names}


async def _listed(reader: StoreReader, account: str, scope: MeetingScope) -> list[str]:
    seen: list[str] = []
    cursor = None
    while True:
        page = await reader.list_meetings(
            account, StoreMeetingFilters(), limit=1, cursor=cursor, scope=scope
        )
        seen += [m.id for m in page.items]
        if (cursor := page.next_cursor) is None:
            return seen


async def test_each_scope_lists_gets_and_searches_exactly_its_meetings(
    database: Database, account: str, reader: StoreReader, search: TranscriptSearch
) -> None:
    await _seed(database, account)
    scopes = await _scopes(database, account)
    expected = {
        "ann": ["m1", "m2", "m3"],  # owns m1 and private m3, attends m2 by email; m4 private
        "cy": ["m2", "m4", "m5"],  # by email mapping; owns private m4
        # u1 (team member) and u5 (manager_id chain through u4, despite the u2 <-> u4 cycle);
        # u1's private m3 is u1's alone.
        "max": ["m1", "m2", "m6"],
        "ada": ["m1", "m2", "m3", "m4", "m5", "m6"],
        "ghost": [],  # unresolved: fails closed, even as an admin
        "stranger": [],  # unmapped
    }
    for name, want in expected.items():
        assert await _listed(reader, account, scopes[name]) == want, name
        hits = await search.search(
            "pricing", SearchFilters((account,), scope=scopes[name]), limit=50
        )
        assert sorted(h.meeting_id for h in hits.hits) == want, name
    assert (await reader.get_meeting(account, "m3", scope=scopes["ann"])).is_private
    for name, hidden in (("ann", "m4"), ("max", "m3"), ("ghost", "m1")):
        with pytest.raises(NotFoundError) as refused:
            await reader.get_meeting(account, hidden, scope=scopes[name])
        assert refused.value.code == "meeting_not_found"


async def test_a_deleted_mapping_sees_nothing_and_an_email_resolves_once_synced(
    database: Database, account: str, reader: StoreReader
) -> None:
    await _seed(database, account)
    scoping = Scoping(database)
    view, created = await scoping.put(
        account, "late", provider_user_id=None, email="new@seller.example", role=Role.MEMBER
    )
    assert created
    assert not view.resolved
    assert await _listed(reader, account, await scoping.scope(account, "late")) == []
    # The user appears with a later sync: the mapping resolves from the next read on.
    await store_people(
        database,
        account,
        [
            User.model_validate({"id": "u1", "emails": [{"email": "new@seller.example"}]}),
        ],
        [],
    )
    assert (await scoping.get(account, "late")).resolved
    assert await _listed(reader, account, await scoping.scope(account, "late")) == ["m1", "m3"]
    token_mapping = await scoping.mapping_id(account, "late")
    await scoping.delete(account, "late")
    assert await _listed(reader, account, await scoping.scope(account, "late")) == []
    await scoping.put(account, "late", provider_user_id="u1", email=None, role=Role.MEMBER)
    # Mapped again: a token of the old mapping (its id) still sees nothing.
    old = await scoping.scope(account, "late", mapping_id=token_mapping)
    assert await _listed(reader, account, old) == []


async def test_is_private_is_stored_and_old_hashes_stay_unchanged(
    database: Database, account: str
) -> None:
    public = meeting("p1", [line(0, "Hello.")])
    private = _with(meeting("p2", [line(0, "Hello.")]), is_private=True)
    await store(database, account, [public, private])
    async with database.session() as session:
        flags = dict(
            (await session.execute(select(StoredMeeting.id, StoredMeeting.is_private))).all()
        )
    assert flags == {"p1": False, "p2": True}
    # A meeting hashed before `is_private` existed (its JSON without the field) is the same
    # content: no `meeting.updated` after the upgrade.
    record = meeting_record(public, has_details=True)
    before = {k: v for k, v in record.data.items() if k != "is_private"}
    transcript = [e.model_dump(mode="json") for e in public.transcript or []]
    old_hash = meeting_hash(canonical_json({"meeting": before, "transcript": transcript}))
    assert old_hash == record.content_hash
    assert (
        meeting_record(private, has_details=True).content_hash
        != meeting_record(_with(private, is_private=False), has_details=True).content_hash
    )
    async with database.session() as session:
        repository = StoreRepository(session)
        again = [record, meeting_record(_with(private, is_private=False), has_details=True)]
        states = await repository.meeting_states(account, [r.id for r in again])
        outcomes = await repository.write_meetings(account, again, states)
    assert outcomes == [WriteOutcome.UNCHANGED, WriteOutcome.UPDATED]
