"""Keyword rules: phrase matching in transcript entries through one automaton."""

from __future__ import annotations

import random

import pytest

from parley.insights.keywords import (
    KeywordMatch,
    KeywordMatcher,
    KeywordRule,
    normalise_text,
    validate_phrases,
)
from parley.unified import SpeakerType, TranscriptEntry


def entry(text: str, speaker: str = "guest", index: int = 0) -> TranscriptEntry:
    return TranscriptEntry(index=index, text=text, speaker_type=SpeakerType(speaker))


def rule(*phrases: str, rule_id: str = "r1", speaker: str = "any") -> KeywordRule:
    return KeywordRule(id=rule_id, name=rule_id, phrases=phrases, speaker_type=speaker)  # type: ignore[arg-type]


def matched(phrase: str, text: str) -> list[str]:
    """The original text under each span of `phrase` in `text`."""
    [found] = KeywordMatcher.compile([rule(phrase)]).matches([entry(text)]) or [None]
    if found is None:
        return []
    return [text[start:end] for start, end in found.spans]


def test_a_phrase_matches_its_words_whatever_their_case() -> None:
    assert matched("Bug", "We found a BUG yesterday.") == ["BUG"]


def test_a_typographic_apostrophe_in_the_text_matches_a_straight_one_in_the_phrase() -> None:
    assert matched("doesn't work", "It doesn\u2019t work.") == ["doesn\u2019t work"]


def test_a_straight_apostrophe_in_the_text_matches_a_typographic_one_in_the_phrase() -> None:
    assert matched("doesn\u2018t work", "it doesn't work") == ["doesn't work"]


def test_punctuation_between_the_words_of_a_phrase_is_ignored() -> None:
    assert matched("next steps", "So, next... steps?") == ["next... steps"]
    assert matched("follow-up", "a follow up call") == ["follow up"]


def test_a_word_does_not_match_inside_a_longer_word() -> None:
    assert matched("bug", "we debug the bugs and debugging") == []


def test_a_word_with_an_apostrophe_is_one_word() -> None:
    assert matched("don", "I don't know, Don.") == ["Don"]


def test_a_trailing_star_matches_any_continuation_of_the_word() -> None:
    text = "Integration, integrate and INTEGRATED, but not disintegrate."

    assert matched("integrat*", text) == ["Integration", "integrate", "INTEGRATED"]


def test_a_prefix_may_end_a_phrase_of_several_words() -> None:
    assert matched("next ste*", "what are the next steps") == ["next steps"]


def test_every_occurrence_of_a_phrase_in_an_entry_is_a_span() -> None:
    assert matched("bug", "bug bug, bug") == ["bug", "bug", "bug"]


def test_case_folding_and_accents_compose_before_matching() -> None:
    assert matched("strasse", "Die Stra\u00dfe") == ["Stra\u00dfe"]
    assert matched("caf\u00e9", "un cafe\u0301 noir") == ["cafe\u0301"]


def test_overlapping_phrases_of_one_rule_merge_into_one_span() -> None:
    [found] = KeywordMatcher.compile([rule("bug", "bug report")]).matches(
        [entry("file a bug report now")]
    )

    assert found.phrases == ("bug", "bug report")
    assert found.spans == ((7, 17),)


def test_a_guest_rule_ignores_what_users_and_unknown_speakers_say() -> None:
    entries = [entry("bug", "user"), entry("bug", "unknown"), entry("bug", "guest")]

    found = KeywordMatcher.compile([rule("bug", speaker="guest")]).matches(entries)

    assert [m.position for m in found] == [2]


def test_a_user_rule_hears_only_users_and_an_any_rule_hears_everyone() -> None:
    entries = [entry("bug", "user"), entry("bug", "unknown"), entry("bug", "guest")]
    rules = [rule("bug", rule_id="u", speaker="user"), rule("bug", rule_id="a")]

    found = KeywordMatcher.compile(rules).matches(entries)

    assert [(m.rule_id, m.position) for m in found] == [
        ("u", 0),
        ("a", 0),
        ("a", 1),
        ("a", 2),
    ]


def test_rules_sharing_a_phrase_each_get_their_own_match_with_their_phrases() -> None:
    rules = [rule("pricing", "budget", rule_id="money"), rule("Budget!", rule_id="finance")]

    found = KeywordMatcher.compile(rules).matches([entry("our budget and pricing")])

    assert found == [
        KeywordMatch("money", 0, ("pricing", "budget"), ((4, 10), (15, 22))),
        KeywordMatch("finance", 0, ("Budget!",), ((4, 10),)),
    ]


def test_a_match_never_spans_two_entries() -> None:
    found = KeywordMatcher.compile([rule("next steps")]).matches(
        [entry("the next"), entry("steps are")]
    )

    assert found == []


def test_no_rules_match_nothing() -> None:
    assert KeywordMatcher.compile([]).matches([entry("bug")]) == []


@pytest.mark.parametrize(
    ("phrase", "message"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("?!", "at least one word"),
        ("*", "must directly follow a letter"),
        ("bug *", "must directly follow a letter"),
        ("in*tegrat", "only at the end"),
        ("bug**", "only at the end"),
        ("a*", "at least 2 characters"),
        ("x" * 201, "at most 200 characters"),
    ],
)
def test_an_invalid_phrase_is_refused_with_the_reason(phrase: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_phrases([phrase])


def test_the_refusal_names_the_position_of_the_bad_phrase() -> None:
    with pytest.raises(ValueError, match=r"^phrases\[1\]: 'x\*y': '\*' is allowed only"):
        validate_phrases(["fine", "x*y"])


def test_a_rule_needs_one_to_a_hundred_phrases() -> None:
    with pytest.raises(ValueError, match="1 to 100 phrases, got 0"):
        validate_phrases([])
    with pytest.raises(ValueError, match="1 to 100 phrases, got 101"):
        validate_phrases([f"word{i}" for i in range(101)])
    assert validate_phrases([" bug ", "integrat*"]) == ("bug", "integrat*")


def test_a_rule_refuses_an_unknown_speaker_type_and_out_of_range_context() -> None:
    with pytest.raises(ValueError, match="speaker_type must be any, user or guest"):
        KeywordRule(id="r", name="r", phrases=("bug",), speaker_type="host")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="context_seconds must be 0 to 120"):
        KeywordRule(id="r", name="r", phrases=("bug",), context_seconds=121)


def test_rule_ids_must_be_unique_in_one_matcher() -> None:
    with pytest.raises(ValueError, match="unique"):
        KeywordMatcher.compile([rule("a1", rule_id="x"), rule("b1", rule_id="x")])


# -- Many rules: the automaton agrees with a naive matcher that scans once per phrase ---------

STEMS = (
    "bug", "price", "pricing", "budget", "integrat", "contract", "renew", "legal", "security",
    "seat", "onboard", "demo", "trial", "pilot", "discount", "competitor", "gong", "chorus",
    "salesforce", "hubspot", "timeline", "deploy", "migrat", "report", "dashboard", "export",
    "import", "api", "webhook", "sso", "audit", "invoice",
)  # fmt: skip
VOCABULARY = [f"{stem}{suffix}" for stem in STEMS for suffix in ("", "s", "ion", "ed", "'s")]


def naive_matches(rules: list[KeywordRule], entries: list[TranscriptEntry]) -> set[tuple]:
    found: dict[tuple[str, int], set[str]] = {}
    for position, item in enumerate(entries):
        words = normalise_text(item.text).split(" ")
        for r in rules:
            if not r.hears(item.speaker_type):
                continue
            for phrase in r.phrases:
                prefix = phrase.endswith("*")
                wanted = normalise_text(phrase.rstrip("*")).split(" ")
                for start in range(len(words) - len(wanted) + 1):
                    window = words[start : start + len(wanted)]
                    head_equal = window[:-1] == wanted[:-1]
                    last = window[-1]
                    last_equal = last.startswith(wanted[-1]) if prefix else last == wanted[-1]
                    if head_equal and last_equal:
                        found.setdefault((r.id, position), set()).add(phrase)
    return {(rid, pos, frozenset(phrases)) for (rid, pos), phrases in found.items()}


def random_text(rng: random.Random) -> str:
    words = []
    for _ in range(rng.randint(3, 25)):
        word = rng.choice(VOCABULARY).replace("'", rng.choice(["'", "\u2019"]))
        word = word.upper() if rng.random() < 0.1 else word
        words.append(word + rng.choice(["", "", "", ",", ".", "?", " -", "!"]))
    return " ".join(words)


def random_phrase(rng: random.Random) -> str:
    words = [rng.choice(VOCABULARY) for _ in range(rng.choice([1, 1, 2, 3]))]
    stem = words[-1][: rng.randint(2, 5)].rstrip("'")
    if rng.random() < 0.2 and len(stem) >= 2:
        words[-1] = stem + "*"
    return " ".join(words)


def test_a_thousand_rules_match_exactly_like_a_naive_matcher() -> None:
    rng = random.Random(20261203)
    rules = [
        KeywordRule(
            id=f"rule-{i}",
            name=f"Rule {i}",
            phrases=tuple(random_phrase(rng) for _ in range(3)),
            speaker_type=rng.choice(["any", "user", "guest"]),
        )
        for i in range(1000)
    ]
    entries = [
        entry(random_text(rng), rng.choice(["user", "guest", "unknown"]), index=i)
        for i in range(200)
    ]

    found = KeywordMatcher.compile(rules).matches(entries)

    expected = naive_matches(rules, entries)
    assert len(expected) > 1000
    assert {(m.rule_id, m.position, frozenset(m.phrases)) for m in found} == expected
    for m in found:
        text = entries[m.position].text
        assert all(normalise_text(text[start:end]) for start, end in m.spans)


def test_of_two_phrases_that_normalise_alike_the_first_is_reported() -> None:
    [found] = KeywordMatcher.compile([rule("Bug!", "bug")]).matches([entry("a bug")])

    assert found.phrases == ("Bug!",)


def test_an_underscore_separates_words() -> None:
    assert matched("bug", "see bug_42") == ["bug"]


def test_guest_rules_alone_still_find_guest_entries_between_unread_user_entries() -> None:
    entries = [entry("bug", "user"), entry("a bug", "guest"), entry("bug", "user")]
    rules = [rule("bug", rule_id="g1", speaker="guest"), rule("bug", rule_id="g2", speaker="guest")]

    found = KeywordMatcher.compile(rules).matches(entries)

    assert [(m.rule_id, m.position, m.spans) for m in found] == [
        ("g1", 1, ((2, 5),)),
        ("g2", 1, ((2, 5),)),
    ]
