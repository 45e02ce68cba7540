"""The unified Meeting and the objects inside it."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from parley.unified.base import RemoteData, Seconds, UnifiedModel, UtcDateTime

__all__ = [
    "Attendee",
    "AttendeeType",
    "CrmContext",
    "Meeting",
    "MeetingStatus",
    "MeetingType",
    "Owner",
    "Speaker",
    "SpeakerType",
    "Tracker",
    "TrackerMention",
    "TranscriptEntry",
]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MeetingType(StrEnum):
    MEETING = "meeting"
    CALL = "call"
    OTHER = "other"


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    PROCESSING = "processing"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    UNKNOWN = "unknown"


class AttendeeType(StrEnum):
    USER = "user"
    GUEST = "guest"


class SpeakerType(StrEnum):
    USER = "user"
    GUEST = "guest"
    UNKNOWN = "unknown"


class Owner(_Part):
    user_id: str | None = None
    name: str | None = None
    email: str | None = None


class Attendee(_Part):
    id: str
    user_id: str | None = None
    name: str | None = None
    email: str | None = None
    title: str | None = None
    company_name: str | None = None
    is_host: bool = False
    type: AttendeeType = AttendeeType.GUEST


class TrackerMention(_Part):
    segment_index: int
    offset: float | None = None


class Tracker(_Part):
    name: str
    type: str | None = None
    count: int = 0
    mentions: list[TrackerMention] = Field(default_factory=list)


class TranscriptEntry(_Part):
    index: int
    speaker_id: str | None = None
    speaker_name: str | None = None
    speaker_type: SpeakerType = SpeakerType.UNKNOWN
    text: str
    start_time: Seconds | None = None
    end_time: Seconds | None = None


class Speaker(_Part):
    speaker_id: str
    name: str | None = None
    type: SpeakerType = SpeakerType.UNKNOWN
    user_id: str | None = None
    talk_time: Seconds = 0.0
    talk_ratio: float = 0.0


class CrmContext(_Part):
    account_id: str | None = None
    account_name: str | None = None
    opportunity_id: str | None = None
    opportunity_name: str | None = None
    deal_stage: str | None = None


class Meeting(UnifiedModel):
    """A recorded meeting or call; list results omit transcript, speakers and summary."""

    id: str
    title: str | None = None
    type: MeetingType = MeetingType.OTHER
    status: MeetingStatus = MeetingStatus.UNKNOWN
    start_time: UtcDateTime | None = None
    end_time: UtcDateTime | None = None
    duration: Seconds | None = None
    language: str | None = None
    web_url: str | None = None
    meeting_url: str | None = None
    calendar_event_id: str | None = None
    owner: Owner | None = None
    attendees: list[Attendee] = Field(default_factory=list)
    audio_recording_url: str | None = None
    video_recording_url: str | None = None
    topics: list[str] = Field(default_factory=list)
    trackers: list[Tracker] = Field(default_factory=list)
    transcript: list[TranscriptEntry] | None = None
    speakers: list[Speaker] | None = None
    summary: str | None = None
    action_items: list[str] = Field(default_factory=list)
    crm: CrmContext | None = None
    #: The provider marks it private: only its owner and admins see it in a scoped read.
    is_private: bool = False
    created_at: UtcDateTime | None = None
    updated_at: UtcDateTime | None = None
    remote_data: RemoteData = None
