"""Transcript search on SQLite FTS5 and PostgreSQL full-text: ranking, snippets, filters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from search_seed import BASE, PLAY, add_account, delete, line, meeting, store
from sqlalchemy import text

from parley.insights import SearchFilters, SearchHit, TranscriptSearch
from parley.insights.search_engines import Fts5SearchEngine
from parley.storage import Database


async def hits(
    search: TranscriptSearch, text: str, filters: SearchFilters, limit: int = 50
) -> list[SearchHit]:
    return (await search.search(text, filters, limit=limit)).hits


def where(found: list[SearchHit]) -> list[tuple[str, int]]:
    return [(h.meeting_id, h.index) for h in found]


@pytest.fixture
async def calls(database: Database, account: str) -> SearchFilters:
    """Three stored calls of one account; returns the filters for that account."""
    await store(
        database,
        account,
        [
            meeting(
                "m1",
                [
                    line(0, "Hi everyone, thanks for making the time today."),
                    line(
                        1, "Pricing, pricing, pricing: that is all procurement asks about.", "guest"
                    ),
                    line(2, "Let us agree on next steps before Friday.", start=75.4),
                ],
                title="Discovery with Globex",
                days_ago=10,
            ),
            meeting(
                "m2",
                [
                    line(
                        0,
                        "We reviewed the security questionnaire and the pricing page, "
                        "then spent most of the call on onboarding, reporting and the "
                        "integration with the CRM that the team uses every day.",
                    ),
                    line(1, "The steps are next on my list, right after the discount.", "guest"),
                    line(2, "Our café in München prefers <script>alert(1)</script> demos."),
                ],
                title="Demo with Initech",
                days_ago=3,
            ),
            meeting(
                "m3",
                [line(0, "Integrations and the integration roadmap.", "guest")],
                days_ago=1,
                video=False,
            ),
        ],
    )
    return SearchFilters(account_ids=(account,))


async def test_denser_match_ranks_first(search: TranscriptSearch, calls: SearchFilters) -> None:
    found = await hits(search, "pricing", calls)
    assert where(found) == [("m1", 1), ("m2", 0)]
    assert found[0].score > found[1].score


async def test_hit_carries_meeting_speaker_times_and_playback_link(
    search: TranscriptSearch, calls: SearchFilters
) -> None:
    (hit,) = await hits(search, '"next steps"', calls)
    assert (hit.meeting_id, hit.meeting_title, hit.index) == ("m1", "Discovery with Globex", 2)
    assert (hit.speaker_name, hit.speaker_type, hit.user_id) == ("Ana Rep", "user", "u1")
    assert (hit.start_time, hit.end_time) == (75.4, 83.9)
    assert hit.meeting_start_time == BASE - timedelta(days=10)
    assert hit.playback_url == f"{PLAY}/m1?kind=video&t=75.4"


async def test_audio_only_meeting_plays_audio(
    search: TranscriptSearch, calls: SearchFilters
) -> None:
    (hit,) = await hits(search, "roadmap", calls)
    assert hit.playback_url == f"{PLAY}/m3?kind=audio&t=0"


async def test_snippet_marks_stemmed_matches_and_escapes_markup(
    search: TranscriptSearch, calls: SearchFilters
) -> None:
    (first, _) = await hits(search, "price", calls)
    assert "<mark>Pricing</mark>" in first.snippet
    (cafe,) = await hits(search, "demos", calls)
    assert "<mark>demos</mark>" in cafe.snippet
    # FTS5 keeps the text and escapes it; ts_headline drops tags itself: never live markup.
    assert "alert(1)" in cafe.snippet
    assert "<script>" not in cafe.snippet


async def test_phrase_needs_adjacent_words(search: TranscriptSearch, calls: SearchFilters) -> None:
    assert where(await hits(search, '"next steps"', calls)) == [("m1", 2)]
    assert sorted(where(await hits(search, "next steps", calls))) == [("m1", 2), ("m2", 1)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pricing AND discount", []),
        ("discount OR procurement", [("m1", 1), ("m2", 1)]),
        ("steps -discount", [("m1", 2)]),
        ("steps NOT discount", [("m1", 2)]),
        ("integrat*", [("m2", 0), ("m3", 0)]),
        ("café", [("m2", 2)]),
        ("MÜNCHEN", [("m2", 2)]),
    ],
)
async def test_operators_prefix_and_unicode(
    search: TranscriptSearch, calls: SearchFilters, text: str, expected: list[tuple[str, int]]
) -> None:
    assert sorted(where(await hits(search, text, calls))) == sorted(expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "*",
        '"',
        '"unbalanced',
        "(",
        ")",
        "AND",
        "OR OR",
        "NOT",
        "-",
        "^pricing:",
        "text:pricing",
        "NEAR(pricing steps)",
        "pricing'); DROP TABLE meetings; --",
        "!!!",
        "\x00",
    ],
)
async def test_tricky_input_never_raises(
    search: TranscriptSearch, calls: SearchFilters, text: str
) -> None:
    found = await hits(search, text, calls)
    assert all(h.meeting_id in {"m1", "m2", "m3"} for h in found)


async def test_and_of_words_in_one_entry(search: TranscriptSearch, calls: SearchFilters) -> None:
    assert where(await hits(search, "pricing AND security", calls)) == [("m2", 0)]


async def test_filters_by_speaker_type_user_and_dates(
    search: TranscriptSearch, calls: SearchFilters
) -> None:
    account = calls.account_ids
    by_guest = SearchFilters(account, speaker_type="guest")
    assert where(await hits(search, "pricing", by_guest)) == [("m1", 1)]
    by_user = SearchFilters(account, user_id="u1")
    assert where(await hits(search, "pricing", by_user)) == [("m2", 0)]
    recent = SearchFilters(account, start_time_after=BASE - timedelta(days=5))
    assert where(await hits(search, "pricing", recent)) == [("m2", 0)]
    older = SearchFilters(account, start_time_before=BASE - timedelta(days=5))
    assert where(await hits(search, "pricing", older)) == [("m1", 1)]
    # An empty filter value still filters (no entry has user ""), with one account stored
    # as with many: what other tenants store never changes a search's answer.
    assert await hits(search, "pricing", SearchFilters(account, user_id="")) == []


async def test_other_accounts_are_not_searched(
    database: Database, search: TranscriptSearch, calls: SearchFilters
) -> None:
    other = await add_account(database, "globex")
    await store(database, other, [meeting("x1", [line(0, "Our pricing is secret.")])])
    assert {h.meeting_id for h in await hits(search, "pricing", calls)} == {"m1", "m2"}
    both = SearchFilters((*calls.account_ids, other))
    assert {h.meeting_id for h in await hits(search, "pricing", both)} == {"m1", "m2", "x1"}
    assert await hits(search, "pricing", SearchFilters(())) == []


async def test_pages_hold_every_hit_once(
    database: Database, search: TranscriptSearch, account: str
) -> None:
    lines = [line(i, f"Budget talk number {i} about the budget.") for i in range(11)]
    await store(database, account, [meeting("big", lines)])
    filters, seen, position = SearchFilters((account,)), [], None
    while True:
        result = await search.search("budget", filters, position=position, limit=4)
        seen += [h.index for h in result.hits]
        if (position := result.next_position) is None:
            break
    assert sorted(seen) == list(range(11))


async def test_index_follows_updates_and_deletes(
    database: Database, search: TranscriptSearch, calls: SearchFilters
) -> None:
    account = calls.account_ids[0]
    changed = meeting("m3", [line(0, "Renewal terms and the cancellation clause.", "guest")])
    await store(database, account, [changed])
    assert await hits(search, "roadmap", calls) == []
    assert where(await hits(search, "cancellation", calls)) == [("m3", 0)]
    await delete(database, account, ["m1"])
    assert where(await hits(search, "pricing", calls)) == [("m2", 0)]
    assert await hits(search, "procurement", calls) == []


async def test_sqlite_index_matches_the_entries_after_writes(
    database: Database, search: TranscriptSearch, calls: SearchFilters
) -> None:
    # The store writer fills FTS5 itself (no insert trigger, migration 0004): after creates,
    # a transcript change, a change elsewhere and a delete, the index holds exactly the
    # stored entries — a missed or doubled entry fails FTS5's own integrity check.
    if database.dialect != "sqlite":
        pytest.skip("FTS5 is SQLite's index; PostgreSQL indexes a generated column")
    account = calls.account_ids[0]
    await store(database, account, [meeting("m3", [line(0, "A new roadmap."), line(1, "More.")])])
    await store(database, account, [meeting("m2", title="Renamed", lines=[line(0, "Unchanged.")])])
    await store(
        database, account, [meeting("m2", title="Renamed again", lines=[line(0, "Unchanged.")])]
    )
    await delete(database, account, ["m1"])
    async with database.session() as session:
        await session.execute(
            text("INSERT INTO transcript_fts(transcript_fts, rank) VALUES ('integrity-check', 1)")
        )
        indexed = await session.scalar(text("SELECT count(*) FROM transcript_fts"))
        stored = await session.scalar(text("SELECT count(*) FROM transcript_entries"))
    assert indexed == stored == 3
    assert where(await hits(search, "roadmap", calls)) == [("m3", 0)]


async def test_windows_rank_best_first_and_page_every_hit_once(
    database: Database, account: str
) -> None:
    # Small windows force a large query's path: ranked window by window, newest first.
    engine = Fts5SearchEngine(window=3) if database.dialect == "sqlite" else None
    search = TranscriptSearch(database, engine=engine)
    budget = [line(i, "budget " * (1 + i % 3) + "and more words " * (i % 4)) for i in range(10)]
    await store(database, account, [meeting("w", budget)])
    guest_only = SearchFilters((account,), speaker_type="guest")
    assert (await search.search("budget", guest_only, limit=4)).hits == []
    for limit in (1, 2, 4, 20):
        seen, position = [], None
        while True:
            result = await search.search(
                "budget", SearchFilters((account,)), position=position, limit=limit
            )
            assert len(result.hits) <= limit
            seen += [h.index for h in result.hits]
            if (position := result.next_position) is None:
                break
        assert sorted(seen) == list(range(10)), limit
    first = (await search.search("budget", SearchFilters((account,)), limit=3)).hits
    assert [h.score for h in first] == sorted((h.score for h in first), reverse=True)
