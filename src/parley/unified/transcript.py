"""The Truto-compatible Transcript resource."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from parley.unified.base import RemoteData, Seconds, UnifiedModel
from parley.unified.meeting import Meeting, TranscriptEntry

__all__ = ["MeetingRef", "Transcript", "transcript_of"]


class MeetingRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str


class Transcript(UnifiedModel):
    """A meeting's transcript as its own resource (id = meeting id)."""

    id: str
    meeting: MeetingRef
    entries: list[TranscriptEntry] = Field(default_factory=list)
    start_time: Seconds | None = None
    end_time: Seconds | None = None
    remote_data: RemoteData = None


def transcript_of(meeting: Meeting) -> Transcript:
    """Build the Transcript resource from a full meeting (its provider data carried along)."""
    entries = list(meeting.transcript or [])
    starts = [e.start_time for e in entries if e.start_time is not None]
    ends = [e.end_time for e in entries if e.end_time is not None]
    return Transcript(
        id=meeting.id,
        meeting=MeetingRef(id=meeting.id),
        entries=entries,
        start_time=min(starts) if starts else None,
        end_time=max(ends) if ends else None,
        remote_data=meeting.remote_data,
    )
