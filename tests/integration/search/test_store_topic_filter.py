"""The stored meetings' `topic` filter on SQLite and PostgreSQL: whole names, any case, paged."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from search_seed import line, meeting, store

from parley.errors import InvalidCursorError
from parley.providers.base import MeetingFilters
from parley.reads.store import StoreMeetingFilters, StoreReader
from parley.storage import Database
from parley.unified import Meeting, MeetingStatus


def with_topics(found: Meeting, topics: Sequence[str], **update: object) -> Meeting:
    return found.model_copy(update={"topics": list(topics), **update})


async def listed(
    reader: StoreReader, account: str, filters: StoreMeetingFilters, limit: int = 50
) -> list[str]:
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = await reader.list_meetings(account, filters, limit=limit, cursor=cursor)
        assert len(page.items) <= limit
        seen += [m.id for m in page.items]
        if (cursor := page.next_cursor) is None:
            return seen


@pytest.fixture
async def topical(database: Database, account: str) -> None:
    """Six meetings newest first (a…f) with assorted topics; `d` is listing-only and
    scheduled, so analytics never counts it, yet its topics are its own."""
    talk = [line(0, "Shall we talk about it?")]
    await store(
        database,
        account,
        [
            with_topics(meeting("a", talk, days_ago=0), ["Pricing", "Next Steps"]),
            with_topics(meeting("b", talk, days_ago=1), ["Competitors"]),
            with_topics(meeting("c", talk, days_ago=2, owner="u2"), ["pricing"]),
            with_topics(meeting("d", days_ago=3), ["PRICING"], status=MeetingStatus.SCHEDULED),
            with_topics(meeting("e", talk, days_ago=4), ["Pricing objections"]),
            meeting("f", talk, days_ago=5),
        ],
    )


def by_topic(topic: str | None, **given: object) -> StoreMeetingFilters:
    return StoreMeetingFilters(MeetingFilters(**given), topic=topic)  # type: ignore[arg-type]


@pytest.mark.usefixtures("topical")
async def test_topic_matches_whole_names_in_any_case(reader: StoreReader, account: str) -> None:
    assert await listed(reader, account, by_topic("pricing")) == ["a", "c", "d"]
    assert await listed(reader, account, by_topic("  Next steps ")) == ["a"]
    assert await listed(reader, account, by_topic("Pricing Objections")) == ["e"]
    # Whole names only: neither a prefix, a part nor LIKE wildcards match.
    for partial in ("Pric", "objections", "Pric%", "Pric_ng", "%", "_"):
        assert await listed(reader, account, by_topic(partial)) == [], partial
    assert await listed(reader, account, by_topic("Budget")) == []


@pytest.mark.usefixtures("topical")
async def test_blank_topic_filters_nothing(reader: StoreReader, account: str) -> None:
    everything = await listed(reader, account, StoreMeetingFilters())
    assert everything == ["a", "b", "c", "d", "e", "f"]
    assert await listed(reader, account, by_topic("   ")) == everything


@pytest.mark.usefixtures("topical")
async def test_topic_combines_with_the_other_filters(reader: StoreReader, account: str) -> None:
    assert await listed(reader, account, by_topic("Pricing", user_ids=("u2",))) == ["c"]
    assert await listed(reader, account, by_topic("Pricing", type="call")) == []
    both = StoreMeetingFilters(topic="Pricing", q="talk")
    assert await listed(reader, account, both) == ["a", "c"]


@pytest.mark.usefixtures("topical")
async def test_topic_pages_each_match_once(reader: StoreReader, account: str) -> None:
    for limit in (1, 2):
        assert await listed(reader, account, by_topic("PRICING"), limit) == ["a", "c", "d"]


@pytest.mark.usefixtures("topical")
async def test_cursor_is_bound_to_the_topic(reader: StoreReader, account: str) -> None:
    page = await reader.list_meetings(account, by_topic("Pricing"), limit=1)
    assert page.next_cursor is not None
    for other in (by_topic("Competitors"), StoreMeetingFilters()):
        with pytest.raises(InvalidCursorError):
            await reader.list_meetings(account, other, limit=1, cursor=page.next_cursor)
