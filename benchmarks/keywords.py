"""Keyword rules: one Aho-Corasick pass per meeting vs one regex pass per rule.

Takes `meetings` (default 100) of the sandbox's synthetic sales calls and `rules` (default
1,000) keyword rules of 3 phrases each (words said in at most 1% of those calls' entries,
their prefixes, pairs of them and words never said; a third of the rules for guests only).
Times `KeywordMatcher.matches` (one automaton over each meeting's normalised text) against
a loop that runs one compiled regex per rule over the same normalised text, checks both
find the same (rule, entry) pairs, and prints the times and the ratio. Compiling the
automaton is timed apart.

    python -m benchmarks.keywords [meetings] [rules]
"""

from __future__ import annotations

import random
import re
import sys
import time
from collections import Counter

from parley.insights.keywords import KeywordMatcher, KeywordRule, normalise_text
from parley.sandbox.config import SandboxConfig
from parley.sandbox.state import SandboxState
from parley.unified import SpeakerType, TranscriptEntry

__all__ = ["run"]

MEETINGS = 100
RULES = 1_000
_SPEAKER = {"rep": SpeakerType.USER, "cust": SpeakerType.GUEST}


def _transcripts(meetings: int) -> list[list[TranscriptEntry]]:
    state = SandboxState(SandboxConfig(seed=2024, meetings=meetings * 2))
    found: list[list[TranscriptEntry]] = []
    index = 0
    while len(found) < meetings:
        utterances = state.store.transcript(state.store.meeting(index % (meetings * 2))).utterances
        index += 1
        if utterances:
            found.append(
                [
                    TranscriptEntry(
                        index=u.index,
                        speaker_name=u.speaker.name,
                        speaker_type=_SPEAKER.get(u.speaker.type, SpeakerType.UNKNOWN),
                        text=u.text,
                        start_time=u.start,
                        end_time=u.start + u.length,
                    )
                    for u in utterances
                ]
            )
    return found


def _rules(transcripts: list[list[TranscriptEntry]], count: int) -> list[KeywordRule]:
    rng = random.Random(7)
    entries = [set(normalise_text(e.text).split()) for t in transcripts for e in t]
    seen = Counter(w for words in entries for w in words)
    # Keywords people track are not "the" or "call": words said in at most 1% of entries.
    said = sorted(w for w, n in seen.items() if len(w) > 3 and n <= len(entries) / 100)

    def phrase() -> str:
        roll = rng.random()
        if roll < 0.5:
            return rng.choice(said)
        if roll < 0.7:
            return rng.choice(said)[:4].rstrip("'") + "*"
        if roll < 0.85:
            return f"{rng.choice(said)} {rng.choice(said)}"
        return f"neverword{rng.randrange(10**6)}"

    return [
        KeywordRule(
            id=f"rule-{i}",
            name=f"Rule {i}",
            phrases=tuple(phrase() for _ in range(3)),
            speaker_type="guest" if i % 3 == 0 else "any",
        )
        for i in range(count)
    ]


def _regex(rule: KeywordRule) -> re.Pattern[str]:
    parts = []
    for phrase in rule.phrases:
        prefix = phrase.endswith("*")
        words = re.escape(normalise_text(phrase.rstrip("*")))
        parts.append(words + (r"[^ \n]*" if prefix else ""))
    return re.compile(rf"(?<= )(?:{'|'.join(parts)})(?= )")


def _per_rule(
    rules: list[KeywordRule], transcripts: list[list[TranscriptEntry]]
) -> set[tuple[str, int, int]]:
    """The naive way: one regex pass over each meeting's normalised text per rule."""
    compiled = [(rule, _regex(rule)) for rule in rules]
    found: set[tuple[str, int, int]] = set()
    for number, entries in enumerate(transcripts):
        lines = [f" {normalise_text(e.text)} " for e in entries]
        starts, offset = [], 0
        for text in lines:
            starts.append(offset)
            offset += len(text) + 1
        haystack = "\n".join(lines)
        for rule, regex in compiled:
            position = 0
            for hit in regex.finditer(haystack):
                while position + 1 < len(starts) and starts[position + 1] <= hit.start():
                    position += 1
                if rule.hears(entries[position].speaker_type):
                    found.add((rule.id, number, position))
    return found


def run(*, meetings: int = MEETINGS, rules: int = RULES) -> dict[str, float]:
    """Time both ways over the same data; print and return the numbers."""
    transcripts = _transcripts(meetings)
    keyword_rules = _rules(transcripts, rules)
    entries = sum(len(t) for t in transcripts)

    started = time.perf_counter()
    matcher = KeywordMatcher.compile(keyword_rules)
    compile_s = time.perf_counter() - started

    started = time.perf_counter()
    automaton = {
        (m.rule_id, number, m.position)
        for number, t in enumerate(transcripts)
        for m in matcher.matches(t)
    }
    automaton_s = time.perf_counter() - started

    started = time.perf_counter()
    naive = _per_rule(keyword_rules, transcripts)
    naive_s = time.perf_counter() - started

    print(
        f"{rules:,} rules x 3 phrases over {meetings} meetings ({entries:,} entries): "
        f"{len(automaton):,} (rule, entry) matches, same as per rule: "
        f"{'yes' if automaton == naive else 'NO'}"
    )
    print(f"{'way':<30}{'total s':>9}{'ms/meeting':>12}")
    print(f"{'one automaton (parley)':<30}{automaton_s:>9.2f}{automaton_s / meetings * 1e3:>12.2f}")
    print(f"{'one regex pass per rule':<30}{naive_s:>9.2f}{naive_s / meetings * 1e3:>12.2f}")
    print(
        f"per rule / automaton: {naive_s / automaton_s:.1f}x; "
        f"compiling the automaton: {compile_s * 1e3:.0f} ms"
    )
    return {
        "keywords_meetings": float(meetings),
        "keywords_rules": float(rules),
        "keywords_compile_ms": compile_s * 1e3,
        "keywords_automaton_ms_per_meeting": automaton_s / meetings * 1e3,
        "keywords_per_rule_ms_per_meeting": naive_s / meetings * 1e3,
        "keywords_per_rule_over_automaton": naive_s / automaton_s,
        "keywords_same_result": float(automaton == naive),
    }


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    run(**dict(zip(("meetings", "rules"), args, strict=False)))
