"""Stored reads (`source=store`) on SQLite and PostgreSQL: order, paging, filters, shapes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from search_seed import BASE, add_account, line, meeting, store, store_people

from parley.errors import InvalidCursorError, NotFoundError
from parley.providers.base import MeetingFilters
from parley.reads.store import StoreMeetingFilters, StoreReader
from parley.storage import Database, utcnow
from parley.unified import Meeting, Team, User


async def every_meeting(
    reader: StoreReader, account: str, filters: StoreMeetingFilters, limit: int
) -> list[Meeting]:
    seen: list[Meeting] = []
    cursor: str | None = None
    while True:
        page = await reader.list_meetings(account, filters, limit=limit, cursor=cursor)
        assert len(page.items) <= limit
        seen += page.items
        cursor = page.next_cursor
        if cursor is None:
            return seen


def ids(meetings: list[Meeting]) -> list[str]:
    return [m.id for m in meetings]


@pytest.fixture
async def many(database: Database, account: str) -> list[str]:
    """23 stored meetings, ties on start time included; their ids newest first."""
    meetings = [meeting(f"m{i:02d}", days_ago=i // 2) for i in range(23)]
    await store(database, account, meetings)
    return sorted(ids(meetings), key=lambda i: (int(i[1:]) // 2, i))


@pytest.mark.parametrize("limit", [1, 7, 23, 500])
async def test_pages_through_every_stored_meeting_once_newest_first(
    reader: StoreReader, account: str, many: list[str], limit: int
) -> None:
    assert ids(await every_meeting(reader, account, StoreMeetingFilters(), limit)) == many


async def test_account_never_synced_lists_nothing(reader: StoreReader, account: str) -> None:
    page = await reader.list_meetings(account, StoreMeetingFilters(), limit=50)
    assert (page.items, page.next_cursor) == ([], None)


async def test_list_shape_has_no_transcript_unless_expanded(
    database: Database, reader: StoreReader, account: str
) -> None:
    await store(database, account, [meeting("t1", [line(0, "Hello there.")])])
    (listed,) = (await reader.list_meetings(account, StoreMeetingFilters(), limit=5)).items
    assert (listed.transcript, listed.speakers, listed.summary) == (None, None, None)
    (full,) = (
        await reader.list_meetings(account, StoreMeetingFilters(), limit=5, expand_transcript=True)
    ).items
    assert [e.text for e in full.transcript or []] == ["Hello there."]
    got = await reader.get_meeting(account, "t1")
    assert got.model_dump() == meeting("t1", [line(0, "Hello there.")]).model_dump()


async def test_get_of_unknown_meeting_is_not_found(reader: StoreReader, account: str) -> None:
    with pytest.raises(NotFoundError) as caught:
        await reader.get_meeting(account, "nope")
    assert caught.value.code == "meeting_not_found"


async def test_transcript_resource_from_store(
    database: Database, reader: StoreReader, account: str
) -> None:
    await store(database, account, [meeting("t1", [line(0, "a"), line(1, "b")])])
    transcript = await reader.get_transcript(account, "t1")
    assert (transcript.id, transcript.start_time, transcript.end_time) == ("t1", 0.0, 18.5)
    assert [e.text for e in transcript.entries] == ["a", "b"]


async def test_cursor_is_bound_to_filters_and_tamper_evident(
    reader: StoreReader, account: str, many: list[str]
) -> None:
    page = await reader.list_meetings(account, StoreMeetingFilters(), limit=5)
    assert page.next_cursor is not None
    with pytest.raises(InvalidCursorError):
        await reader.list_meetings(
            account,
            StoreMeetingFilters(MeetingFilters(type="call")),
            limit=5,
            cursor=page.next_cursor,
        )
    with pytest.raises(InvalidCursorError):
        await reader.list_meetings(
            account, StoreMeetingFilters(), limit=5, cursor=page.next_cursor[:-2] + "xx"
        )


async def test_meeting_filters(database: Database, reader: StoreReader, account: str) -> None:
    await store(
        database,
        account,
        [
            meeting("a", days_ago=1, owner="u1", emails=["Bo@Customer.example"], duration=600),
            meeting("b", days_ago=5, owner="u2", kind="call", duration=3600),
            meeting("c", [line(0, "Let us talk pricing.")], days_ago=9, owner="u3", emails=[]),
        ],
    )
    await store_people(
        database,
        account,
        [User(id="u1", team_ids=["t1"]), User(id="u2"), User(id="u3")],
        [Team(id="t1", member_ids=[]), Team(id="t2", member_ids=["u3"])],
    )

    async def find(q: str | None = None, **given: object) -> list[str]:
        filters = StoreMeetingFilters(MeetingFilters(**given), q=q)  # type: ignore[arg-type]
        return ids(await every_meeting(reader, account, filters, 50))

    assert await find(start_time_after=BASE - timedelta(days=5)) == ["a", "b"]
    assert await find(start_time_before=BASE - timedelta(days=5)) == ["b", "c"]
    assert await find(user_ids=("u2", "u3")) == ["b", "c"]
    assert await find(team_ids=("t1",)) == ["a"]
    assert await find(team_ids=("t1", "t2")) == ["a", "c"]
    assert await find(team_ids=("t1",), user_ids=("u2",)) == []
    assert await find(participant_email="bo@CUSTOMER.example") == ["a", "b"]
    assert await find(type="call") == ["b"]
    assert await find(min_duration=1801) == ["b"]
    assert await find(q="prices") == ["c"]
    assert await find(q="call B") == ["b"]
    assert await find(q="100%_") == []


async def test_updated_after_sees_only_changes(
    database: Database, reader: StoreReader, account: str
) -> None:
    await store(database, account, [meeting("a"), meeting("b")])
    mark = utcnow()
    await store(database, account, [meeting("b", title="Renamed"), meeting("a")])
    found = await every_meeting(reader, account, StoreMeetingFilters(updated_after=mark), 10)
    assert [(m.id, m.title) for m in found] == [("b", "Renamed")]


async def test_accounts_do_not_see_each_other(
    database: Database, reader: StoreReader, account: str
) -> None:
    other = await add_account(database, "globex")
    await store(database, other, [meeting("x")])
    assert await every_meeting(reader, account, StoreMeetingFilters(), 10) == []
    with pytest.raises(NotFoundError):
        await reader.get_meeting(account, "x")


async def test_users_and_teams(database: Database, reader: StoreReader, account: str) -> None:
    users = [User(id=f"u{i}", name=f"Rep {i}") for i in range(5)]
    await store_people(database, account, users, [Team(id="t1", name="EMEA Sales")])
    seen: list[str] = []
    cursor = None
    while True:
        page = await reader.list_users(account, limit=2, cursor=cursor)
        seen += [u.id for u in page.items]
        if (cursor := page.next_cursor) is None:
            break
    assert seen == ["u0", "u1", "u2", "u3", "u4"]
    assert [u.id for u in (await reader.list_users(account, limit=9, q="rep 3")).items] == ["u3"]
    assert (await reader.get_user(account, "u2")).name == "Rep 2"
    assert [t.name for t in (await reader.list_teams(account, limit=9, q="emea")).items] == [
        "EMEA Sales"
    ]
    assert (await reader.get_team(account, "t1")).name == "EMEA Sales"
    with pytest.raises(NotFoundError):
        await reader.get_team(account, "t9")
    later = await reader.list_users(account, limit=9, updated_after=utcnow())
    assert later.items == []
