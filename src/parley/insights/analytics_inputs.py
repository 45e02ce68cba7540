"""What team analytics needs of one meeting, computed once when the meeting is stored (pure).

A meeting counts when it is completed and has a transcript with at least one entry. Its
inputs are sums a report can add up with SQL `GROUP BY`:

- talk time is measured on the transcript: an entry's `end_time - start_time` (0 when
  either is missing or the difference is negative), summed per speaker group. The owner's
  entries are those whose speaker's `user_id` (from `Meeting.speakers`) is the owner's
  `user_id`; the guests' are the entries with `speaker_type: guest`; the total is every
  entry, whoever spoke (unknown speakers included);
- the longest monologue is the longest run of consecutive entries (by `index`) spoken by
  the owner, from the first entry's start to the last entry's end;
- topics are the trackers that matched (`count > 0` or any mention), by name, with their
  mentions (`count`, or the number of listed mentions when the provider gave no count);
- the week is the Monday (00:00 UTC) of the meeting's start, as an ISO date.

`meeting_inputs` reads a unified Meeting (the sync's page hook); `inputs_of` reads the same
facts from anywhere, such as the stored rows a backfill reads back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from parley.unified import Meeting, MeetingStatus

__all__ = ["MeetingInputs", "Spoken", "TrackerCount", "inputs_of", "meeting_inputs", "week_of"]

#: One transcript entry as analytics sees it, in spoken order:
#: (the speaker's user id or None, speaker type, start seconds, end seconds).
Spoken = tuple[str | None, str, float | None, float | None]
#: One tracker of a meeting: (name, the provider's count, how many mentions it listed).
TrackerCount = tuple[str, int, int]


@dataclass(frozen=True, slots=True)
class MeetingInputs:
    """One counted meeting's contribution to every analytics row it falls in."""

    meeting_id: str
    owner_user_id: str | None
    owner_name: str | None
    start_time: datetime | None
    #: The ISO date of the Monday (UTC) of `start_time`'s week; None without a start.
    week: str | None
    duration: float
    owner_talk: float
    guest_talk: float
    total_talk: float
    longest_monologue: float
    #: (tracker name, mentions) of the trackers that matched, by name.
    topics: tuple[tuple[str, int], ...]


def week_of(start: datetime) -> str:
    """The ISO date of the Monday, 00:00 UTC, of the week `start` falls in."""
    day = start.astimezone(UTC).date()
    return (day - timedelta(days=day.weekday())).isoformat()


def meeting_inputs(meeting: Meeting) -> MeetingInputs | None:
    """The analytics inputs of a unified meeting; None when it does not count."""
    if meeting.status != MeetingStatus.COMPLETED or not meeting.transcript:
        return None
    users = {s.speaker_id: s.user_id for s in meeting.speakers or ()}
    spoken = [
        (
            users.get(e.speaker_id) if e.speaker_id is not None else None,
            e.speaker_type.value,
            e.start_time,
            e.end_time,
        )
        for e in sorted(meeting.transcript, key=lambda e: e.index)
    ]
    owner = meeting.owner
    return inputs_of(
        meeting_id=meeting.id,
        status=meeting.status.value,
        owner_user_id=owner.user_id if owner else None,
        owner_name=owner.name if owner else None,
        start_time=meeting.start_time,
        duration=meeting.duration,
        spoken=spoken,
        trackers=[(t.name, t.count, len(t.mentions)) for t in meeting.trackers],
    )


def inputs_of(
    *,
    meeting_id: str,
    status: str,
    owner_user_id: str | None,
    owner_name: str | None,
    start_time: datetime | None,
    duration: float | None,
    spoken: Sequence[Spoken],
    trackers: Iterable[TrackerCount],
) -> MeetingInputs | None:
    """The analytics inputs of a meeting given as plain facts; None when it does not count."""
    if status != MeetingStatus.COMPLETED.value or not spoken:
        return None
    owner_talk = guest_talk = total_talk = 0.0
    longest = 0.0
    run_start: float | None = None
    run_end: float | None = None
    in_run = False
    for user_id, speaker_type, start, end in spoken:
        talk = max(0.0, end - start) if start is not None and end is not None else 0.0
        total_talk += talk
        if speaker_type == "guest":
            guest_talk += talk
        by_owner = owner_user_id is not None and user_id == owner_user_id
        if not by_owner:
            in_run, run_start, run_end = False, None, None
            continue
        owner_talk += talk
        if not in_run:
            in_run, run_start, run_end = True, start, end
        else:
            run_start = start if run_start is None else run_start
            run_end = end if end is not None else run_end
        if run_start is not None and run_end is not None:
            longest = max(longest, run_end - run_start)
    return MeetingInputs(
        meeting_id=meeting_id,
        owner_user_id=owner_user_id,
        owner_name=owner_name,
        start_time=start_time,
        week=week_of(start_time) if start_time is not None else None,
        duration=max(0.0, duration or 0.0),
        owner_talk=owner_talk,
        guest_talk=guest_talk,
        total_talk=total_talk,
        longest_monologue=longest,
        topics=_topics(trackers),
    )


def _topics(trackers: Iterable[TrackerCount]) -> tuple[tuple[str, int], ...]:
    mentions: dict[str, int] = {}
    for name, count, listed in trackers:
        if not name or (count <= 0 and listed <= 0):
            continue
        mentions[name] = mentions.get(name, 0) + (count if count > 0 else listed)
    return tuple(sorted(mentions.items()))
