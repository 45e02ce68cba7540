"""Snippets: clips around a rule's matched entries, merged, highlighted, with stable ids."""

from __future__ import annotations

from parley.insights.keywords import KeywordMatcher, KeywordRule
from parley.insights.snippets import ContextEntry, Snippet, build_snippets
from parley.unified import SpeakerType, TranscriptEntry

ACCOUNT = "acc-1"
MEETING = "m-1"


def line(
    index: int, start: float, end: float, text: str, speaker: str = "guest", name: str = "Ann"
) -> TranscriptEntry:
    return TranscriptEntry(
        index=index,
        speaker_id=f"sp-{name}",
        speaker_name=name,
        speaker_type=SpeakerType(speaker),
        text=text,
        start_time=start,
        end_time=end,
    )


def snippets(
    entries: list[TranscriptEntry],
    *rules: KeywordRule,
    duration: float | None = 600.0,
    account: str = ACCOUNT,
    meeting: str = MEETING,
) -> list[Snippet]:
    rules = rules or (KeywordRule(id="bugs", name="Bugs", phrases=("bug",), context_seconds=10),)
    matches = KeywordMatcher.compile(rules).matches(entries)
    return build_snippets(
        rules, matches, entries, account_id=account, meeting_id=meeting, duration=duration
    )


def test_a_snippet_runs_context_seconds_around_the_matched_entry() -> None:
    [snippet] = snippets([line(0, 100, 104, "a bug here")])

    assert (snippet.start_time, snippet.end_time) == (90, 114)
    assert snippet.entry_indexes == (0,)
    assert snippet.phrases == ("bug",)


def test_a_clip_is_clamped_to_the_start_and_end_of_the_meeting() -> None:
    first, last = snippets([line(0, 3, 5, "bug"), line(1, 195, 199, "bug")], duration=200)

    assert (first.start_time, first.end_time) == (0, 15)
    assert (last.start_time, last.end_time) == (185, 200)


def test_without_a_duration_a_clip_is_clamped_at_zero_only() -> None:
    [snippet] = snippets([line(0, 2, 5, "bug")], duration=None)

    assert (snippet.start_time, snippet.end_time) == (0, 15)


def test_matches_whose_clips_overlap_merge_into_one_snippet() -> None:
    entries = [
        line(0, 100, 104, "bug one", name="Ann"),
        line(1, 104, 110, "no match"),
        line(2, 115, 118, "Bug two", name="Bob"),
    ]

    [snippet] = snippets(entries)

    assert snippet.entry_indexes == (0, 2)
    assert (snippet.start_time, snippet.end_time) == (90, 128)
    assert snippet.text == "bug one\nBug two"


def test_distant_matches_make_separate_snippets() -> None:
    found = snippets([line(0, 10, 12, "bug"), line(1, 40, 42, "bug")])

    assert [(s.start_time, s.end_time) for s in found] == [(0, 22), (30, 52)]


def test_each_rule_makes_its_own_snippets_with_the_phrases_it_matched() -> None:
    rules = (
        KeywordRule(id="bugs", name="Bugs", phrases=("bug", "crash*")),
        KeywordRule(id="money", name="Money", phrases=("price", "budget")),
    )

    found = snippets([line(0, 10, 12, "bug and budget"), line(1, 14, 15, "it crashed")], *rules)

    assert [(s.rule_id, s.phrases, s.entry_indexes) for s in found] == [
        ("bugs", ("bug", "crash*"), (0, 1)),
        ("money", ("budget",), (0,)),
    ]


def test_speaker_fields_come_from_the_first_matched_entry() -> None:
    entries = [line(0, 10, 12, "bug", "user", "Rep"), line(1, 13, 15, "bug", "guest", "Cus")]

    [snippet] = snippets(entries)

    assert (snippet.speaker_id, snippet.speaker_name, snippet.speaker_type) == (
        "sp-Rep",
        "Rep",
        "user",
    )


def test_the_highlight_marks_each_match_in_the_matched_text() -> None:
    rule = KeywordRule(id="r", name="r", phrases=("doesn't work", "integrat*"))

    [snippet] = snippets([line(0, 1, 2, "The integration doesn\u2019t work.")], rule)

    assert snippet.highlight == ("The <mark>integration</mark> <mark>doesn\u2019t work</mark>.")


def test_the_highlight_escapes_html_inside_and_around_the_marks() -> None:
    rule = KeywordRule(id="r", name="r", phrases=("r d", "bug"))

    [snippet] = snippets([line(0, 1, 2, 'R&D said "<bug>" & left')], rule)

    assert snippet.text == 'R&D said "<bug>" & left'
    assert snippet.highlight == ('<mark>R&amp;D</mark> said "&lt;<mark>bug</mark>&gt;" &amp; left')


def test_the_context_lists_the_entries_inside_the_clip() -> None:
    entries = [
        line(0, 0, 70, "long intro"),
        line(1, 75, 89, "before the clip"),
        line(2, 88, 99, "just inside", "user", "Rep"),
        line(3, 100, 104, "the bug"),
        line(4, 114, 130, "starts at the end"),
        line(5, 113.5, 114, "last words"),
    ]

    [snippet] = snippets(entries)

    assert snippet.context == (
        ContextEntry(2, "Rep", "user", 88, 99, "just inside"),
        ContextEntry(3, "Ann", "guest", 100, 104, "the bug"),
        ContextEntry(5, "Ann", "guest", 113.5, 114, "last words"),
    )


def test_times_are_rounded_to_milliseconds() -> None:
    [snippet] = snippets([line(0, 20.12345, 21.98765, "bug")])

    assert (snippet.start_time, snippet.end_time) == (10.123, 31.988)
    assert (snippet.context[0].start_time, snippet.context[0].end_time) == (20.123, 21.988)


def test_a_resync_of_an_unchanged_meeting_keeps_the_snippet_ids() -> None:
    entries = [line(0, 10, 12, "bug"), line(1, 60, 62, "another bug")]

    assert [s.id for s in snippets(entries)] == [s.id for s in snippets(list(entries))]


def test_a_changed_transcript_keeps_the_ids_of_snippets_that_still_match() -> None:
    before = snippets([line(0, 10, 12, "bug one"), line(1, 60, 62, "Bug two")])
    after = snippets(
        [
            line(0, 11, 13, "bug one"),
            line(1, 35, 36, "a new bug in between"),
            line(2, 62, 64, "bug two!"),
        ]
    )

    assert [after[0].id, after[2].id] == [s.id for s in before]
    assert after[1].id not in {s.id for s in before}


def test_the_same_words_said_twice_give_two_ids() -> None:
    first, second = snippets([line(0, 10, 12, "bug"), line(1, 60, 62, "bug")])

    assert first.id != second.id


def test_ids_differ_by_rule_meeting_and_account() -> None:
    entries = [line(0, 10, 12, "bug")]
    other_rule = KeywordRule(id="other", name="Other", phrases=("bug",))

    ids = {
        snippets(entries)[0].id,
        snippets(entries, other_rule)[0].id,
        snippets(entries, meeting="m-2")[0].id,
        snippets(entries, account="acc-2")[0].id,
    }

    assert len(ids) == 4


def test_an_entry_without_a_start_time_is_placed_at_its_end() -> None:
    entry = TranscriptEntry(index=0, text="bug", speaker_type=SpeakerType.GUEST, end_time=50)

    [snippet] = snippets([entry])

    assert (snippet.start_time, snippet.end_time) == (40, 60)
    assert snippet.context[0].start_time is None


def test_a_long_entry_that_runs_into_the_clip_is_in_the_context() -> None:
    entries = [
        line(0, 0, 95, "a long monologue"),
        line(1, 120, 130, "later"),
        line(2, 100, 104, "bug"),
    ]

    [snippet] = snippets(entries)

    assert [c.index for c in snippet.context] == [0, 2]
