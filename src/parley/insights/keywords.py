"""Keyword rules compiled into one Aho-Corasick automaton (pure: no I/O).

Phrases and transcript text are normalised the same way, once:

- a *word* is a run of letters and digits (combining accents included); an apostrophe
  between two word characters (straight, typographic right or left, or the modifier
  letter) belongs to the word and is unified to `'`, so `doesn't` and "doesn\u2019t" are
  one word, and `don` does not match "don't";
- everything else (punctuation, symbols, `_`, white space) only separates words;
- words are case-folded and NFC-composed, joined by one space and padded with a space on
  each side: "It doesn\u2019t work." becomes `" it doesn't work "`.

A whole-word phrase compiles to `" bug "` and so matches only whole words (not "debug" nor
"bugs"); a prefix phrase `integrat*` compiles to `" integrat"` and matches any word that
begins so. `*` is allowed only at the end of a phrase (`next ste*`), as in FTS5 prefix
queries: an inner wildcard would not be a literal an automaton can search for.

A meeting's entries become one haystack (one normalised string per entry, joined by `\\n`,
which no pattern contains), searched once with overlapping matches for every phrase of every
rule; each hit maps back to whole words of the original text for highlighting.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Literal, Protocol, get_args

from ahocorasick_rs import AhoCorasick, MatchKind

__all__ = [
    "MAX_CONTEXT_SECONDS",
    "MAX_PHRASES",
    "MAX_PHRASE_LENGTH",
    "MIN_PREFIX_LENGTH",
    "KeywordMatch",
    "KeywordMatcher",
    "KeywordRule",
    "MatchableEntry",
    "SpeakerFilter",
    "compile_phrase",
    "normalise_text",
    "validate_phrases",
]

SpeakerFilter = Literal["any", "user", "guest"]
MAX_PHRASES = 100
#: Characters of one phrase as written (a phrase is a few words, not a paragraph).
MAX_PHRASE_LENGTH = 200
#: Letters before a `*`: `a*` would match a large share of every transcript.
MIN_PREFIX_LENGTH = 2
MAX_CONTEXT_SECONDS = 120

# `\w` and the combining accents; `_` (also in `\w`) is turned into a space first, which is
# faster than excluding it here and keeps every offset.
_WORD_CHAR = r"[\w\u0300-\u036f]"
_TYPOGRAPHIC_APOSTROPHES = "\u2019\u2018\u02bc"
_WORD = re.compile(rf"{_WORD_CHAR}+(?:['{_TYPOGRAPHIC_APOSTROPHES}]{_WORD_CHAR}+)*")
_APOSTROPHES = str.maketrans(dict.fromkeys(_TYPOGRAPHIC_APOSTROPHES, "'"))
_SEPARATOR = "\n"


class MatchableEntry(Protocol):
    """What matching reads of a transcript entry (the unified `TranscriptEntry` fits)."""

    @property
    def text(self) -> str: ...

    @property
    def speaker_type(self) -> str: ...


def _normalise_words(words: Iterable[str]) -> str:
    joined = " ".join(words).casefold().translate(_APOSTROPHES)
    return unicodedata.normalize("NFC", joined)


def normalise_text(text: str) -> str:
    """The words of `text`, normalised and space-joined (no padding): `it doesn't work`."""
    return _normalise_words(_WORD.findall(text.replace("_", " ")))


def compile_phrase(phrase: str) -> str:
    """The automaton pattern of one phrase (`" bug "`, `" integrat"`); ValueError if invalid."""
    written = phrase.strip()
    if not written:
        raise ValueError("a phrase must not be empty")
    if len(written) > MAX_PHRASE_LENGTH:
        raise ValueError(f"a phrase must be at most {MAX_PHRASE_LENGTH} characters")
    prefix = written.endswith("*")
    body = written[:-1] if prefix else written
    if "*" in body:
        raise ValueError(f"{written!r}: '*' is allowed only at the end of a phrase (integrat*)")
    if prefix and not _WORD.search(body[-1:].replace("_", " ")):
        raise ValueError(f"{written!r}: '*' must directly follow a letter or digit (integrat*)")
    words = _WORD.findall(body.replace("_", " "))
    if not words:
        raise ValueError(f"{written!r}: a phrase needs at least one word (letters or digits)")
    normalised = _normalise_words(words)
    if prefix and len(normalised.rsplit(" ", 1)[-1]) < MIN_PREFIX_LENGTH:
        raise ValueError(
            f"{written!r}: a prefix needs at least {MIN_PREFIX_LENGTH} characters before '*'"
        )
    return f" {normalised}" if prefix else f" {normalised} "


def validate_phrases(phrases: Sequence[str]) -> tuple[str, ...]:
    """The phrases trimmed, after checking each compiles and there are 1-100; else ValueError."""
    if isinstance(phrases, str):
        raise ValueError("phrases must be a list of strings")
    if not 1 <= len(phrases) <= MAX_PHRASES:
        raise ValueError(f"a rule needs 1 to {MAX_PHRASES} phrases, got {len(phrases)}")
    for number, phrase in enumerate(phrases):
        if not isinstance(phrase, str):
            raise ValueError(f"phrases[{number}]: a phrase must be a string")
        try:
            compile_phrase(phrase)
        except ValueError as error:
            raise ValueError(f"phrases[{number}]: {error}") from None
    return tuple(phrase.strip() for phrase in phrases)


@dataclass(frozen=True, slots=True)
class KeywordRule:
    """A named set of phrases, for one kind of speaker, with seconds of context around hits."""

    id: str
    name: str
    phrases: tuple[str, ...]
    speaker_type: SpeakerFilter = "any"
    context_seconds: float = 15.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "phrases", validate_phrases(self.phrases))
        if self.speaker_type not in get_args(SpeakerFilter):
            raise ValueError(f"speaker_type must be any, user or guest, not {self.speaker_type!r}")
        if not 0 <= self.context_seconds <= MAX_CONTEXT_SECONDS:
            raise ValueError(f"context_seconds must be 0 to {MAX_CONTEXT_SECONDS}")

    def hears(self, speaker_type: str) -> bool:
        """True when an entry said by this kind of speaker counts for the rule."""
        return self.speaker_type == "any" or self.speaker_type == speaker_type


@dataclass(frozen=True, slots=True)
class KeywordMatch:
    """One rule's hits in one entry: `position` is the entry's place in the sequence searched.

    `phrases` are the rule's phrases that matched, in the rule's order (of two phrases
    that normalise alike, such as `Bug` and `bug!`, the first); `spans` are
    `[start, end)` offsets of the matched whole words in the entry's original text, sorted,
    overlapping ones merged.
    """

    rule_id: str
    position: int
    phrases: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]


#: (index of the rule in the matcher, index of the phrase in the rule) for each rule of a pattern.
_Users = tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class _Pattern:
    words: int
    #: The pattern's rules that hear each speaker type (other types: the `any` rules).
    heard_by: dict[str, _Users]
    anyone: _Users


class KeywordMatcher:
    """Every phrase of every rule in one automaton; `matches` is one pass over the text."""

    def __init__(self, rules: Sequence[KeywordRule]) -> None:
        """Use `compile`."""
        self._rules = tuple(rules)
        users: dict[str, list[tuple[int, int]]] = {}
        for rule_index, rule in enumerate(self._rules):
            for phrase_index, phrase in enumerate(rule.phrases):
                users.setdefault(compile_phrase(phrase), []).append((rule_index, phrase_index))
        self._patterns = tuple(
            self._pattern(text, _first_per_rule(pattern_users))
            for text, pattern_users in users.items()
        )
        texts = list(users)
        self._automaton = AhoCorasick(texts, matchkind=MatchKind.Standard) if texts else None
        #: None when some rule hears everyone; else the speaker types worth reading.
        self._heard: frozenset[str] | None = (
            None
            if any(rule.speaker_type == "any" for rule in self._rules)
            else frozenset(rule.speaker_type for rule in self._rules)
        )

    def _pattern(self, text: str, users: _Users) -> _Pattern:
        def hearing(speaker_type: str) -> _Users:
            return tuple(u for u in users if self._rules[u[0]].hears(speaker_type))

        return _Pattern(
            words=text.count(" ") - (1 if text.endswith(" ") else 0),
            heard_by={kind: hearing(kind) for kind in ("user", "guest")},
            anyone=hearing(""),
        )

    @classmethod
    def compile(cls, rules: Iterable[KeywordRule]) -> KeywordMatcher:
        """Compile the rules (ids must be unique) into one matcher."""
        listed = list(rules)
        ids = [rule.id for rule in listed]
        if len(set(ids)) != len(ids):
            raise ValueError("rule ids must be unique")
        return cls(listed)

    @property
    def rules(self) -> tuple[KeywordRule, ...]:
        """The rules, in the order they were compiled."""
        return self._rules

    def matches(self, entries: Sequence[MatchableEntry]) -> list[KeywordMatch]:
        """Every (rule, entry) with a hit, by entry position then rule order."""
        if self._automaton is None or not entries:
            return []
        heard = self._heard
        lines = [
            f" {normalise_text(entry.text)} "
            if heard is None or entry.speaker_type in heard
            else " "
            for entry in entries
        ]
        starts = list(accumulate((len(line) + len(_SEPARATOR) for line in lines), initial=0))
        haystack = _SEPARATOR.join(lines)
        # position -> rule index -> (indexes of the phrases that matched, spans)
        found: dict[int, dict[int, tuple[set[int], list[tuple[int, int]]]]] = {}
        words_of: dict[int, list[re.Match[str]]] = {}
        hits = self._automaton.find_matches_as_indexes(haystack, overlapping=True)
        for pattern_index, start, _end in hits:
            position = bisect_right(starts, start) - 1
            pattern = self._patterns[pattern_index]
            entry = entries[position]
            users = pattern.heard_by.get(entry.speaker_type, pattern.anyone)
            if not users:
                continue
            words = words_of.get(position)
            if words is None:
                words = words_of[position] = list(_WORD.finditer(entry.text.replace("_", " ")))
            first = lines[position].count(" ", 0, start - starts[position])
            span = (words[first].start(), words[first + pattern.words - 1].end())
            by_rule = found.setdefault(position, {})
            for rule_index, phrase_index in users:
                hit = by_rule.get(rule_index)
                if hit is None:
                    by_rule[rule_index] = ({phrase_index}, [span])
                else:
                    hit[0].add(phrase_index)
                    hit[1].append(span)
        result = []
        for position in sorted(found):
            by_rule = found[position]
            for rule_index in sorted(by_rule):
                phrase_indexes, spans = by_rule[rule_index]
                phrases = self._rules[rule_index].phrases
                result.append(
                    KeywordMatch(
                        rule_id=self._rules[rule_index].id,
                        position=position,
                        phrases=tuple(phrases[i] for i in sorted(phrase_indexes)),
                        spans=_merged(spans),
                    )
                )
        return result


def _first_per_rule(users: list[tuple[int, int]]) -> _Users:
    """One user per rule: the first of a rule's phrases that compile to the same pattern."""
    seen: set[int] = set()
    kept = []
    for rule_index, phrase_index in users:
        if rule_index not in seen:
            seen.add(rule_index)
            kept.append((rule_index, phrase_index))
    return tuple(kept)


def _merged(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    if len(spans) == 1:
        return (spans[0],)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)
