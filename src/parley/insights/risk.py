"""Deal-risk signals from a deal's completed meetings (pure: no I/O).

"Recent" is the deal's last `recent_meetings` (3) completed meetings, newest first by start.

- `competitor_mentioned`: a competitor tracker matched (count or mentions), or a listed
  competitor name was said by anyone, in at least `min_recent_mentions` (2) recent meetings;
- `pricing_objection`: a pricing tracker mention whose `segment_index` points at a guest's
  transcript entry, or a listed pricing-objection phrase said by a guest, in at least 2
  recent meetings (a mention that points at no entry cannot be told guest: it does not count);
- `no_next_steps`: the latest completed meeting has no next-steps tracker match;
- `stalled`: the latest completed meeting started more than `stalled_days` (21) before the
  time of the read: the one signal that depends on the clock, so it is left out of
  `Assessment.signals` and judged by `Assessment.risk(now)`;
- `single_threaded`: at most one distinct customer email (guest attendees, trimmed and
  case-folded) across the recent meetings;
- `low_customer_talk`: guests spoke under 25 % of the talk time across the recent meetings
  (speakers' `talk_time`; a meeting without speakers counts its entries' durations); no talk
  time at all is no signal.

A signal whose weight is 0 is off. score = min(100, sum of the active weights); a deal
without a completed meeting has no signals. Trackers are matched to concepts by their name,
case-insensitively. Evidence lists at most `EVIDENCE_PER_MEETING` hits per meeting.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import BaseModel

from parley.insights.keywords import KeywordMatcher, KeywordRule
from parley.insights.meeting_facts import customer_emails, talk_time
from parley.insights.risk_settings import Level, RiskSettings
from parley.unified import Meeting, MeetingStatus, SpeakerType, Tracker, TranscriptEntry
from parley.unified.base import Seconds, UtcDateTime

__all__ = [
    "EVIDENCE_PER_MEETING",
    "Assessment",
    "Evidence",
    "Playback",
    "Risk",
    "RiskRules",
    "Signal",
    "assess",
    "recent_completed",
    "stalled_signal",
]

EVIDENCE_PER_MEETING = 3
#: (meeting, second or None) -> a link that plays the meeting there (None: nothing to play).
Playback = Callable[[Meeting, float | None], str | None]
_GUEST = SpeakerType.GUEST.value


class Evidence(BaseModel):
    """Where a signal came from: a meeting, and the moment and words when there are some."""

    meeting_id: str
    meeting_start_time: UtcDateTime | None = None
    start_time: Seconds | None = None
    text: str | None = None
    tracker: str | None = None
    playback_url: str | None = None


class Signal(BaseModel):
    """One active risk signal."""

    type: str
    weight: int
    summary: str
    evidence: list[Evidence]


class Risk(BaseModel):
    """A deal's risk at one time."""

    score: int
    level: Level
    signals: list[Signal]


@dataclass(frozen=True)
class RiskRules:
    """Settings compiled once: tracker name sets and one phrase matcher for every meeting."""

    settings: RiskSettings
    competitor_trackers: frozenset[str]
    pricing_trackers: frozenset[str]
    next_steps_trackers: frozenset[str]
    matcher: KeywordMatcher

    @classmethod
    def compile(cls, settings: RiskSettings) -> RiskRules:
        """Compile the settings' names and phrases."""
        names = settings.tracker_names
        rules = []
        if settings.competitor_names:
            rules.append(KeywordRule("competitor", "competitor", tuple(settings.competitor_names)))
        if settings.pricing_objection_phrases:
            phrases = tuple(settings.pricing_objection_phrases)
            rules.append(KeywordRule("pricing", "pricing", phrases, speaker_type="guest"))
        return cls(
            settings=settings,
            competitor_trackers=_folded(names.competitor),
            pricing_trackers=_folded(names.pricing),
            next_steps_trackers=_folded(names.next_steps),
            matcher=KeywordMatcher.compile(rules),
        )


def _folded(names: Sequence[str]) -> frozenset[str]:
    return frozenset(name.strip().casefold() for name in names)


@dataclass(frozen=True)
class Assessment:
    """A deal's signals as of its meetings; `stalled` is judged at the time of each read."""

    #: Every active signal but `stalled`, in `SIGNAL_TYPES` order.
    signals: tuple[Signal, ...]
    #: The latest completed meeting (with a start time): what `stalled` points at.
    last_completed: Evidence | None
    settings: RiskSettings = field(repr=False)

    @property
    def base_score(self) -> int:
        """The sum of the clock-free signals' weights (uncapped)."""
        return sum(signal.weight for signal in self.signals)

    @property
    def stall_at(self) -> datetime | None:
        """From when the deal counts as stalled (None: never, it has no completed meeting)."""
        last = self.last_completed
        if last is None or last.meeting_start_time is None:
            return None
        return last.meeting_start_time + timedelta(days=self.settings.stalled_days)

    def document(self) -> dict[str, object]:
        """The stored form (JSON): the clock-free signals and the latest completed meeting."""
        last = self.last_completed
        return {
            "signals": [signal.model_dump(mode="json") for signal in self.signals],
            "last_completed": None if last is None else last.model_dump(mode="json"),
        }

    @classmethod
    def stored(cls, document: dict[str, object], settings: RiskSettings) -> Assessment:
        """An assessment read back from `document()`, judged with `settings`."""
        signals = document.get("signals") or []
        last = document.get("last_completed")
        return cls(
            signals=tuple(Signal.model_validate(s) for s in signals),  # type: ignore[attr-defined]
            last_completed=None if last is None else Evidence.model_validate(last),
            settings=settings,
        )

    def risk(self, now: datetime) -> Risk:
        """The deal's risk at `now`."""
        signals = list(self.signals)
        stalled = stalled_signal(self.last_completed, self.settings, now)
        if stalled is not None:
            signals.insert(_stalled_position(signals), stalled)
        score = min(100, sum(signal.weight for signal in signals))
        return Risk(score=score, level=self.settings.levels.level(score), signals=signals)


def _stalled_position(signals: list[Signal]) -> int:
    # `stalled` sits after the signals listed before it in SIGNAL_TYPES.
    before = {"competitor_mentioned", "pricing_objection", "no_next_steps"}
    return sum(1 for signal in signals if signal.type in before)


def stalled_signal(last: Evidence | None, settings: RiskSettings, now: datetime) -> Signal | None:
    """`stalled` at `now`, from the latest completed meeting (None when not stalled)."""
    weight = settings.weights.stalled
    if weight == 0 or last is None or last.meeting_start_time is None:
        return None
    quiet = now - last.meeting_start_time
    if quiet <= timedelta(days=settings.stalled_days):
        return None
    days = quiet.days
    summary = (
        f"No meeting in the last {settings.stalled_days} days "
        f"(the last one was {days} day{'s' if days != 1 else ''} ago)"
    )
    return Signal(type="stalled", weight=weight, summary=summary, evidence=[last])


def recent_completed(meetings: Sequence[Meeting], count: int) -> list[Meeting]:
    """The latest `count` completed meetings, newest first (by start, then id)."""
    done = [m for m in meetings if m.status is MeetingStatus.COMPLETED]
    done.sort(key=lambda m: m.id)
    done.sort(key=lambda m: (m.start_time is not None, m.start_time), reverse=True)
    return done[:count]


def assess(meetings: Sequence[Meeting], rules: RiskRules, playback: Playback) -> Assessment:
    """The signals of a deal whose meetings (any status; transcripts on completed ones) these
    are."""
    settings = rules.settings
    recent = recent_completed(meetings, settings.recent_meetings)
    if not recent:
        return Assessment(signals=(), last_completed=None, settings=settings)
    reader = _Reader(rules, playback)
    weights = settings.weights
    found = [
        _mentioned(
            "competitor_mentioned",
            recent,
            [reader.competitor(m) for m in recent],
            settings,
            "A competitor came up",
        ),
        _mentioned(
            "pricing_objection",
            recent,
            [reader.pricing(m) for m in recent],
            settings,
            "A guest pushed back on price",
        ),
        _no_next_steps(recent[0], rules, reader),
        _single_threaded(recent, reader),
        _low_customer_talk(recent, settings, reader),
    ]
    signals = tuple(
        signal.model_copy(update={"weight": weights.of(signal.type)})
        for signal in found
        if signal is not None and weights.of(signal.type) > 0
    )
    dated = [m for m in recent if m.start_time is not None]
    last = reader.meeting(dated[0]) if dated else None
    return Assessment(signals=signals, last_completed=last, settings=settings)


def _of_meetings(count: int, total: int) -> str:
    if total == 1:
        return "in the last meeting"
    return f"in {count} of the last {total} meetings"


def _mentioned(
    signal_type: str,
    recent: list[Meeting],
    hits: list[list[Evidence]],
    settings: RiskSettings,
    what: str,
) -> Signal | None:
    meetings = sum(1 for found in hits if found)
    if meetings < settings.min_recent_mentions:
        return None
    evidence = [item for found in hits for item in found]
    summary = f"{what} {_of_meetings(meetings, len(recent))}"
    return Signal(type=signal_type, weight=0, summary=summary, evidence=evidence)


def _no_next_steps(latest: Meeting, rules: RiskRules, reader: _Reader) -> Signal | None:
    if any(_matches(t.name, rules.next_steps_trackers) and _hit(t) for t in latest.trackers):
        return None
    return Signal(
        type="no_next_steps",
        weight=0,
        summary="The latest meeting set no next steps",
        evidence=[reader.meeting(latest)],
    )


def _single_threaded(recent: list[Meeting], reader: _Reader) -> Signal | None:
    emails = sorted({email for m in recent for email in customer_emails(m)})
    if len(emails) > 1:
        return None
    contact = "one customer contact" if emails else "no customer contact"
    summary = f"Only {contact} {_across(len(recent))}"
    evidence = [
        reader.meeting(m).model_copy(update={"text": ", ".join(customer_emails(m)) or None})
        for m in recent
    ]
    return Signal(type="single_threaded", weight=0, summary=summary, evidence=evidence)


def _across(total: int) -> str:
    return "in the last meeting" if total == 1 else f"across the last {total} meetings"


def _low_customer_talk(
    recent: list[Meeting], settings: RiskSettings, reader: _Reader
) -> Signal | None:
    talks = [talk_time(m) for m in recent]
    guest = sum(g for g, _ in talks)
    total = sum(t for _, t in talks)
    if total <= 0 or guest / total >= settings.low_customer_talk_ratio:
        return None
    summary = f"Guests spoke {guest / total:.0%} of the time {_across(len(recent))}"
    evidence = [
        reader.meeting(m).model_copy(
            update={"text": f"Guests spoke {g / t:.0%} of the time" if t > 0 else None}
        )
        for m, (g, t) in zip(recent, talks, strict=True)
    ]
    return Signal(type="low_customer_talk", weight=0, summary=summary, evidence=evidence)


def _matches(name: str, names: frozenset[str]) -> bool:
    return name.strip().casefold() in names


def _hit(tracker: Tracker) -> bool:
    return tracker.count > 0 or bool(tracker.mentions)


class _Reader:
    """Finds one meeting's tracker mentions and phrase hits, as evidence."""

    def __init__(self, rules: RiskRules, playback: Playback) -> None:
        self._rules = rules
        self._playback = playback
        # One pass over a meeting's transcript finds the phrases of both concepts.
        self._matched: dict[str, list[tuple[str, TranscriptEntry]]] = {}

    def meeting(self, meeting: Meeting) -> Evidence:
        """Evidence pointing at the whole meeting."""
        return Evidence(
            meeting_id=meeting.id,
            meeting_start_time=meeting.start_time,
            playback_url=self._playback(meeting, None),
        )

    def _at(self, meeting: Meeting, entry: TranscriptEntry, tracker: str | None) -> Evidence:
        return Evidence(
            meeting_id=meeting.id,
            meeting_start_time=meeting.start_time,
            start_time=entry.start_time,
            text=entry.text,
            tracker=tracker,
            playback_url=self._playback(meeting, entry.start_time),
        )

    def competitor(self, meeting: Meeting) -> list[Evidence]:
        """Competitor tracker matches (any speaker) and competitor names said."""
        entries = _entries(meeting)
        found: list[Evidence] = []
        for tracker in meeting.trackers:
            if not _matches(tracker.name, self._rules.competitor_trackers) or not _hit(tracker):
                continue
            at = [entries[m.segment_index] for m in tracker.mentions if m.segment_index in entries]
            if not at:
                found.append(self.meeting(meeting).model_copy(update={"tracker": tracker.name}))
            found.extend(self._at(meeting, entry, tracker.name) for entry in at)
        found.extend(self._phrases(meeting, "competitor", found))
        return _first(found)

    def pricing(self, meeting: Meeting) -> list[Evidence]:
        """Pricing tracker mentions in a guest's words and objection phrases said by guests."""
        entries = _entries(meeting)
        found: list[Evidence] = []
        for tracker in meeting.trackers:
            if not _matches(tracker.name, self._rules.pricing_trackers):
                continue
            for mention in tracker.mentions:
                entry = entries.get(mention.segment_index)
                if entry is not None and entry.speaker_type.value == _GUEST:
                    found.append(self._at(meeting, entry, tracker.name))
        found.extend(self._phrases(meeting, "pricing", found))
        return _first(found)

    def _phrases(self, meeting: Meeting, rule_id: str, found: list[Evidence]) -> list[Evidence]:
        matched = self._matched.get(meeting.id)
        if matched is None:
            transcript = meeting.transcript or []
            matched = [
                (m.rule_id, transcript[m.position]) for m in self._rules.matcher.matches(transcript)
            ]
            self._matched[meeting.id] = matched
        known = {(item.start_time, item.text) for item in found}
        hits = []
        for matched_rule, entry in matched:
            if matched_rule == rule_id and (entry.start_time, entry.text) not in known:
                known.add((entry.start_time, entry.text))
                hits.append(self._at(meeting, entry, None))
        return hits


def _entries(meeting: Meeting) -> dict[int, TranscriptEntry]:
    return {entry.index: entry for entry in meeting.transcript or ()}


def _first(found: list[Evidence]) -> list[Evidence]:
    found.sort(key=lambda e: (e.start_time is None, e.start_time or 0.0))
    return found[:EVIDENCE_PER_MEETING]
