"""Snippets as stored rows and as the API shows them (pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime

from parley.insights.keyword_services import playback_links
from parley.insights.keywords import KeywordMatcher, KeywordRule
from parley.insights.triggers import EPOCH, meeting_snippets, snippet_json, snippet_row
from parley.unified import TranscriptEntry

START = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _entries() -> list[TranscriptEntry]:
    said = ["Hello there.", "It doesn\u2019t work with <b>tags</b>.", "Okay."]
    return [
        TranscriptEntry(
            index=i,
            speaker_id=f"s{i % 2}",
            speaker_name=["Ana", "Bo"][i % 2],
            speaker_type=["user", "guest"][i % 2],
            text=text,
            start_time=i * 10.0,
            end_time=i * 10.0 + 8.0,
        )
        for i, text in enumerate(said)
    ]


def test_a_stored_snippet_renders_the_contract_shape() -> None:
    rule = KeywordRule(id="r1", name="Bugs", phrases=("doesn't work",), context_seconds=5)
    [snippet] = meeting_snippets(
        KeywordMatcher.compile([rule]), _entries(), account_id="a1", meeting_id="m 1", duration=25
    )
    row = snippet_row(snippet, tenant_id="t", meeting_start=START, users={"s1": "u9"}, now=START)
    shown = snippet_json(
        row,
        rule_name="Bugs",
        meeting_title="Call",
        meeting_start_time=START,
        playback=playback_links("https://parley.example/"),
    )

    assert (shown["start_time"], shown["end_time"]) == (5.0, 23.0)
    assert shown["entry_indexes"] == [1]
    assert shown["user_id"] == "u9"
    assert shown["highlight"] == "It <mark>doesn\u2019t work</mark> with &lt;b&gt;tags&lt;/b&gt;."
    assert [c["index"] for c in shown["context"]] == [0, 1, 2]
    assert shown["playback_url"] == (
        "https://parley.example/unified/conversational-intelligence/meetings/m%201"
        "?integrated_account_id=a1&source=store#t=5"
    )
    assert shown["meeting_start_time"] == START.isoformat()


def test_a_meeting_without_a_start_sorts_last() -> None:
    rule = KeywordRule(id="r1", name="Hi", phrases=("hello",))
    [snippet] = meeting_snippets(
        KeywordMatcher.compile([rule]), _entries(), account_id="a", meeting_id="m", duration=None
    )
    row = snippet_row(snippet, tenant_id="t", meeting_start=None, users={}, now=START)
    assert row["meeting_sort"] == EPOCH
    assert row["user_id"] is None
