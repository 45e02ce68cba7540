"""Build one call's transcript: speakers, utterances, talk ranges and tracker mentions.

Everything derives from a per-meeting RNG, so the same meeting always reads the same, and
the pieces agree: each utterance's `participant` is a cluster id, cluster ranges cover that
speaker's utterances, and every tracker mention points at its keyword in a snippet.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from parley.sandbox.dialogue import (
    BACKCHANNEL,
    CLOSING,
    DEMO,
    DIALER_GREETING,
    DIALER_OPENING,
    DISCOVERY,
    FOREIGN,
    GREETING,
    OPENING,
    SETTLERS,
    UNKNOWN_LINES,
)
from parley.sandbox.meetings import Meeting
from parley.sandbox.people import SELLER_NAME
from parley.sandbox.trackers import tracker_by_key

__all__ = ["Range", "Speaker", "Transcript", "Utterance", "build_transcript"]


@dataclass(frozen=True, slots=True)
class Speaker:
    """A speaker cluster."""

    cluster_id: int
    name: str
    type: str  # rep | cust | unknown
    user_id: int | None
    person_id: int | None
    company: str | None
    title: str | None
    match_method: str


@dataclass(frozen=True, slots=True)
class Utterance:
    """One transcribed turn."""

    index: int
    speaker: Speaker
    text: str
    start: float
    length: float
    engaging: bool

    @property
    def word_count(self) -> int:
        """Words in the snippet."""
        return len(self.text.split())


@dataclass(frozen=True, slots=True)
class Range:
    """A stretch of consecutive utterances by one speaker."""

    start: float
    length: float
    talk_time: float


@dataclass(frozen=True, slots=True)
class Transcript:
    """The full recording detail derived from a meeting."""

    speakers: tuple[Speaker, ...]
    utterances: tuple[Utterance, ...]
    ranges: dict[int, tuple[Range, ...]]
    mentions: tuple[tuple[str, tuple[tuple[int, int], ...]], ...]

    def talk_time(self, speaker_type: str) -> float:
        """Total seconds spoken by speakers of one type."""
        return sum(u.length for u in self.utterances if u.speaker.type == speaker_type)


def _speakers(meeting: Meeting) -> list[Speaker]:
    speakers: list[Speaker] = []
    for user in meeting.reps:
        speakers.append(
            Speaker(
                len(speakers) + 1, user.name, "rep", user.id, user.person_id, SELLER_NAME,
                user.title, "user",
            )
        )  # fmt: skip
    method = "voice" if meeting.audio_only else "video"
    for guest in meeting.guests:
        speakers.append(
            Speaker(
                len(speakers) + 1, guest.name, "cust", None, guest.person_id, guest.company,
                guest.title, method,
            )
        )  # fmt: skip
    if meeting.unknown_speaker:
        name = f"Speaker {len(speakers) + 1}"
        speakers.append(
            Speaker(len(speakers) + 1, name, "unknown", None, None, None, None, "guess")
        )
    return speakers


def _phase(index: int, count: int, dialer: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    edge = min(6, max(3, count // 20))
    if index < edge:
        return DIALER_OPENING if dialer else OPENING
    if index >= count - edge:
        return CLOSING
    if dialer or index < count * 0.45:
        return DISCOVERY
    return DEMO


def _sequence(
    rng: random.Random, speakers: list[Speaker], count: int, reticent: bool
) -> list[Speaker]:
    reps = [s for s in speakers if s.type == "rep"]
    custs = [s for s in speakers if s.type == "cust"]
    others = [s for s in speakers if s.type == "unknown"]
    order: list[Speaker] = [reps[0]]
    side = "rep"
    # Reticent guests get the floor less often and hand it back at once.
    to_guest, to_rep = (0.45, 0.95) if reticent else (0.72, 0.72)
    while len(order) < count:
        if others and rng.random() < 0.03:
            order.append(others[0])
            continue
        if rng.random() < (to_guest if side == "rep" else to_rep):
            side = "cust" if side == "rep" else "rep"
        pool = reps if side == "rep" else custs
        weights = [3.0 if k == 0 else 1.0 for k in range(len(pool))]
        order.append(rng.choices(pool, weights)[0])
    return order


def _place_trackers(
    rng: random.Random, meeting: Meeting, order: list[Speaker]
) -> dict[int, tuple[str, str]]:
    """Utterance index -> (tracker key, line with [[keyword]])."""
    placed: dict[int, tuple[str, str]] = {}
    count = len(order)
    for key, mentions in meeting.tracker_plan:
        tracker = tracker_by_key(key)
        for _ in range(mentions):
            role = "cust" if rng.random() < meeting.guest_voicing(key) else "rep"
            free = [i for i in range(1, count) if i not in placed and order[i].type == role]
            if key == "next_steps":
                late = [i for i in free if i >= count * 0.7]
                free = late or free
            if not free:
                role = "cust" if role == "rep" else "rep"
                free = [i for i in range(1, count) if i not in placed and order[i].type == role]
            lines = tracker.rep_lines if role == "rep" else tracker.cust_lines
            placed[rng.choice(free)] = (key, rng.choice(lines))
    return placed


class _Decks:
    """Draw lines without replacement per pool, so neighbouring turns rarely repeat."""

    def __init__(self, rng: random.Random, context: dict[str, str]) -> None:
        self._rng = rng
        self._context = context
        self._decks: dict[int, list[str]] = {}

    def text(self, pool: tuple[str, ...], sentences: int) -> str:
        deck = self._decks.setdefault(id(pool), [])
        picks: list[str] = []
        for _ in range(sentences):
            if not deck:
                deck.extend(pool)
                self._rng.shuffle(deck)
            picks.append(deck.pop())
        return " ".join(p.format_map(self._context) for p in picks)


def build_transcript(meeting: Meeting) -> Transcript:
    """The transcript of a finished meeting (empty for calls without one)."""
    if not meeting.has_transcript or meeting.utterance_count == 0:
        return Transcript((), (), {}, ())
    rng = random.Random(f"{meeting.id}:transcript")
    context = meeting.context_map()
    speakers = _speakers(meeting)
    count = meeting.utterance_count
    order = _sequence(rng, speakers, count, meeting.reticent_guests)
    placed = _place_trackers(rng, meeting, order)
    dialer = meeting.kind == "dialer"
    target_words = meeting.duration / count * 2.4 * 0.8
    sentences = max(1, min(5, round(target_words / 11)))

    decks = _Decks(rng, context)
    texts: list[str] = []
    offsets: dict[int, int] = {}
    mentions: dict[str, list[tuple[int, int]]] = {key: [] for key, _ in meeting.tracker_plan}
    for i, speaker in enumerate(order):
        if speaker.type == "unknown":
            texts.append(rng.choice(UNKNOWN_LINES))
            continue
        side = 0 if speaker.type == "rep" else 1
        if meeting.language in FOREIGN:
            texts.append(decks.text(FOREIGN[meeting.language][side], 1))
            continue
        if i == 0:
            texts.append((DIALER_GREETING if dialer else GREETING).format_map(context))
            continue
        pool = _phase(i, count, dialer)[side]
        if i in placed:
            key, line = placed[i]
            prefix = decks.text(pool, rng.randint(0, sentences - 1))
            prefix = f"{prefix} " if prefix else ""
            line = line.format_map(context)
            at = line.index("[[")
            line = line.replace("[[", "", 1).replace("]]", "", 1)
            offsets[i] = len(prefix) + at
            mentions[key].append((i, offsets[i]))
            texts.append(prefix + line)
        elif side == 1 and meeting.reticent_guests and rng.random() < 0.8:
            texts.append(decks.text(BACKCHANNEL, 1))
        else:
            texts.append(decks.text(pool, rng.randint(1, sentences)))

    _settle_questions(rng, meeting, order, texts)
    utterances = _timeline(rng, meeting, order, texts)
    ranges = _ranges(speakers, utterances)
    ordered = tuple(
        (key, tuple(sorted(mentions[key]))) for key, _ in meeting.tracker_plan if mentions[key]
    )
    spoken = {u.speaker.cluster_id for u in utterances}
    return Transcript(
        speakers=tuple(s for s in speakers if s.cluster_id in spoken),
        utterances=tuple(utterances),
        ranges=ranges,
        mentions=ordered,
    )


def _settle_questions(
    rng: random.Random, meeting: Meeting, order: list[Speaker], texts: list[str]
) -> None:
    """Make the row's question counts true: append a sentence where a turn must change."""
    rep_ask, rep_tell, cust_ask, cust_tell = SETTLERS.get(meeting.language, SETTLERS["en"])
    count = len(order)
    customer = [i for i in range(count) if order[i].type == "cust"]
    engaging = [
        i for i in range(1, count - 1) if order[i].type == "rep" and order[i + 1].type == "cust"
    ]
    for turns, want, ask, tell in (
        (customer, meeting.num_cust_questions, cust_ask, cust_tell),
        (engaging, meeting.num_engaging_questions, rep_ask, rep_tell),
    ):
        asking = [i for i in turns if texts[i].endswith("?")]
        telling = [i for i in turns if not texts[i].endswith("?")]
        want = min(want, len(turns))
        for i in rng.sample(telling, max(0, want - len(asking))):
            texts[i] = f"{texts[i]} {rng.choice(ask)}"
        for i in rng.sample(asking, max(0, len(asking) - want)):
            texts[i] = f"{texts[i]} {rng.choice(tell)}"


def _timeline(
    rng: random.Random, meeting: Meeting, order: list[Speaker], texts: list[str]
) -> list[Utterance]:
    lead = rng.uniform(2.0, 8.0)
    tail = min(rng.uniform(2.0, 10.0), meeting.duration * 0.02)
    rates = {s.cluster_id: rng.uniform(2.2, 2.9) for s in order}
    lengths = [
        max(0.6, len(t.split()) / rates[s.cluster_id]) for s, t in zip(order, texts, strict=True)
    ]
    gaps = [rng.uniform(0.2, 2.5) for _ in order]
    scale = (meeting.duration - lead - tail) / (sum(lengths) + sum(gaps))
    utterances: list[Utterance] = []
    clock = lead
    for i, speaker in enumerate(order):
        length = round(lengths[i] * scale, 2)
        start = round(clock, 2)
        engaging = (
            speaker.type == "rep"
            and texts[i].endswith("?")
            and i + 1 < len(order)
            and order[i + 1].type == "cust"
        )
        utterances.append(Utterance(i, speaker, texts[i], start, length, engaging))
        clock = start + length + gaps[i] * scale
    return utterances


def _ranges(speakers: list[Speaker], utterances: list[Utterance]) -> dict[int, tuple[Range, ...]]:
    runs: dict[int, list[Range]] = {s.cluster_id: [] for s in speakers}
    run: list[Utterance] = []
    for utterance in [*utterances, None]:
        if run and (utterance is None or utterance.speaker != run[0].speaker):
            first, last = run[0], run[-1]
            runs[first.speaker.cluster_id].append(
                Range(
                    start=first.start,
                    length=round(last.start + last.length - first.start, 2),
                    talk_time=round(sum(u.length for u in run), 2),
                )
            )
            run = []
        if utterance is not None:
            run.append(utterance)
    return {cid: tuple(r) for cid, r in runs.items() if r}
