"""Facts of one meeting that deal signals and deal views read (pure: no I/O)."""

from __future__ import annotations

from parley.unified import Meeting, SpeakerType

__all__ = ["customer_emails", "talk_time"]


def customer_emails(meeting: Meeting) -> list[str]:
    """The meeting's guest attendees' emails, trimmed and case-folded, in attendee order."""
    seen: dict[str, None] = {}
    for attendee in meeting.attendees:
        if attendee.type.value != "user" and attendee.email and attendee.email.strip():
            seen.setdefault(attendee.email.strip().casefold(), None)
    return list(seen)


def talk_time(meeting: Meeting) -> tuple[float, float]:
    """(guest seconds, all seconds) spoken in the meeting."""
    if meeting.speakers:
        total = sum(s.talk_time for s in meeting.speakers)
        guest = sum(s.talk_time for s in meeting.speakers if s.type is SpeakerType.GUEST)
        return guest, total
    guest = total = 0.0
    for entry in meeting.transcript or ():
        if entry.start_time is not None and entry.end_time is not None:
            length = max(0.0, entry.end_time - entry.start_time)
            total += length
            if entry.speaker_type is SpeakerType.GUEST:
                guest += length
    return guest, total
