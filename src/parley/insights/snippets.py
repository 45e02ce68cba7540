"""Snippets: a rule's matched entries in one meeting, as clips with context (pure: no I/O).

- Each matched entry's clip runs from `context_seconds` before it starts to `context_seconds`
  after it ends, clamped to `[0, duration]`; clips that overlap or touch merge into one
  snippet. An entry without a start uses its end and vice versa; one with neither sits at 0.
- `text` is the matched entries' text joined by a newline; `highlight` is the same,
  HTML-escaped, with `<mark>` around each match; `context` lists the entries whose time
  overlaps the clip (and the matched ones), in transcript order. Times are rounded to ms.
- Speaker fields come from the first matched entry.

**Identity.** A snippet's `id` is a UUID derived from the account, the meeting, the rule,
the normalised words of its first matched entry and how many earlier snippets of the same
rule in the meeting start with the same words. So a re-sync of an unchanged meeting gives
the same ids, and a changed transcript keeps the id of every snippet whose first matched
utterance is still there (entries inserted or removed elsewhere shift indexes and times,
not ids); a snippet that now starts at another utterance gets a new id.
"""

from __future__ import annotations

import hashlib
import html
import json
import uuid
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from parley.insights.keywords import KeywordMatch, KeywordRule, normalise_text

__all__ = ["ContextEntry", "Snippet", "SnippetEntry", "build_snippets", "snippet_id"]


class SnippetEntry(Protocol):
    """What a snippet reads of a transcript entry (the unified `TranscriptEntry` fits)."""

    @property
    def index(self) -> int: ...

    @property
    def speaker_id(self) -> str | None: ...

    @property
    def speaker_name(self) -> str | None: ...

    @property
    def speaker_type(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def start_time(self) -> float | None: ...

    @property
    def end_time(self) -> float | None: ...


@dataclass(frozen=True, slots=True)
class ContextEntry:
    """One transcript entry inside a snippet's clip."""

    index: int
    speaker_name: str | None
    speaker_type: str
    start_time: float | None
    end_time: float | None
    text: str


@dataclass(frozen=True, slots=True)
class Snippet:
    """A clip of one meeting around one rule's matches; `speaker_*` of the first matched entry.

    `speaker_id` is there for the caller to resolve the speaker's `user_id`.
    """

    id: str
    rule_id: str
    account_id: str
    meeting_id: str
    phrases: tuple[str, ...]
    entry_indexes: tuple[int, ...]
    speaker_id: str | None
    speaker_name: str | None
    speaker_type: str
    start_time: float
    end_time: float
    text: str
    highlight: str
    context: tuple[ContextEntry, ...]


def snippet_id(account_id: str, meeting_id: str, rule_id: str, words: str, occurrence: int) -> str:
    """The stable UUID of a snippet (see the module docstring)."""
    key = json.dumps([account_id, meeting_id, rule_id, words, occurrence], ensure_ascii=False)
    digest = hashlib.sha256(key.encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=5))


def build_snippets(
    rules: Sequence[KeywordRule],
    matches: Sequence[KeywordMatch],
    entries: Sequence[SnippetEntry],
    *,
    account_id: str,
    meeting_id: str,
    duration: float | None,
) -> list[Snippet]:
    """The snippets of one meeting: by rule order, then start time.

    `matches` come from `KeywordMatcher.matches(entries)`; `duration` is the meeting's length
    in seconds (None: clips are clamped at 0 only).
    """
    by_rule: dict[str, list[KeywordMatch]] = defaultdict(list)
    for match in matches:
        by_rule[match.rule_id].append(match)
    timeline = _Timeline(entries)
    snippets: list[Snippet] = []
    for rule in rules:
        rule_matches = by_rule.get(rule.id, [])
        seen: Counter[str] = Counter()
        for group, (start, end) in _clips(rule, rule_matches, timeline, duration):
            first = entries[group[0].position]
            words = normalise_text(first.text)
            snippets.append(
                Snippet(
                    id=snippet_id(account_id, meeting_id, rule.id, words, seen[words]),
                    rule_id=rule.id,
                    account_id=account_id,
                    meeting_id=meeting_id,
                    phrases=tuple(p for p in rule.phrases if any(p in m.phrases for m in group)),
                    entry_indexes=tuple(entries[m.position].index for m in group),
                    speaker_id=first.speaker_id,
                    speaker_name=first.speaker_name,
                    speaker_type=str(first.speaker_type),
                    start_time=_ms(start),
                    end_time=_ms(end),
                    text="\n".join(entries[m.position].text for m in group),
                    highlight="\n".join(_highlight(entries[m.position].text, m) for m in group),
                    context=_context(timeline, group, start, end),
                )
            )
            seen[words] += 1
    return snippets


def _times(entry: SnippetEntry) -> tuple[float, float]:
    start = entry.start_time if entry.start_time is not None else entry.end_time
    start = 0.0 if start is None else start
    end = entry.end_time if entry.end_time is not None else start
    return start, max(start, end)


class _Timeline:
    """A meeting's timed entries by start, to find those overlapping a clip without a scan."""

    def __init__(self, entries: Sequence[SnippetEntry]) -> None:
        self.entries = entries
        self.times = [_times(entry) for entry in entries]
        timed = sorted(
            (times[0], position)
            for position, (entry, times) in enumerate(zip(entries, self.times, strict=True))
            if entry.start_time is not None or entry.end_time is not None
        )
        self._starts = [start for start, _ in timed]
        self._positions = [position for _, position in timed]
        self._longest = max((end - start for start, end in self.times), default=0.0)
        self._context: dict[int, ContextEntry] = {}

    def overlapping(self, start: float, end: float) -> list[int]:
        """Positions of the timed entries whose time overlaps `(start, end)`."""
        # An entry ending after `start` began after `start - longest`: only those are looked at.
        low = bisect_right(self._starts, start - self._longest)
        high = bisect_left(self._starts, end)
        return [p for p in self._positions[low:high] if self.times[p][1] > start]

    def context_entry(self, position: int) -> ContextEntry:
        """The entry at `position` as snippets show it (built once per meeting)."""
        built = self._context.get(position)
        if built is None:
            entry = self.entries[position]
            built = self._context[position] = ContextEntry(
                index=entry.index,
                speaker_name=entry.speaker_name,
                speaker_type=str(entry.speaker_type),
                start_time=None if entry.start_time is None else _ms(entry.start_time),
                end_time=None if entry.end_time is None else _ms(entry.end_time),
                text=entry.text,
            )
        return built


def _clips(
    rule: KeywordRule,
    matches: list[KeywordMatch],
    timeline: _Timeline,
    duration: float | None,
) -> list[tuple[list[KeywordMatch], tuple[float, float]]]:
    single = []
    for match in matches:
        start, end = timeline.times[match.position]
        start = max(0.0, start - rule.context_seconds)
        end = end + rule.context_seconds
        if duration is not None:
            end = min(end, max(duration, 0.0))
        single.append((min(start, end), end, match))
    clips: list[tuple[list[KeywordMatch], tuple[float, float]]] = []
    for start, end, match in sorted(single, key=lambda c: (c[0], c[2].position)):
        if clips and start <= clips[-1][1][1]:
            group, (group_start, group_end) = clips[-1]
            group.append(match)
            clips[-1] = (group, (min(group_start, start), max(group_end, end)))
        else:
            clips.append(([match], (start, end)))
    return clips


def _highlight(text: str, match: KeywordMatch) -> str:
    parts = []
    cursor = 0
    for start, end in match.spans:
        parts.append(html.escape(text[cursor:start], quote=False))
        parts.append(f"<mark>{html.escape(text[start:end], quote=False)}</mark>")
        cursor = end
    parts.append(html.escape(text[cursor:], quote=False))
    return "".join(parts)


def _context(
    timeline: _Timeline, group: list[KeywordMatch], start: float, end: float
) -> tuple[ContextEntry, ...]:
    inside = set(timeline.overlapping(start, end)) | {m.position for m in group}
    return tuple(timeline.context_entry(position) for position in sorted(inside))


def _ms(seconds: float) -> float:
    return round(seconds, 3)
