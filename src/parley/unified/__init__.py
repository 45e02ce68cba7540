"""Unified models: the provider-independent shapes Parley speaks (pure pydantic)."""

from __future__ import annotations

from parley.unified.base import UnifiedModel, to_utc
from parley.unified.encoded import EncodedMeeting
from parley.unified.meeting import (
    Attendee,
    AttendeeType,
    CrmContext,
    Meeting,
    MeetingStatus,
    MeetingType,
    Owner,
    Speaker,
    SpeakerType,
    Tracker,
    TrackerMention,
    TranscriptEntry,
)
from parley.unified.page import Page
from parley.unified.team import Team
from parley.unified.transcript import MeetingRef, Transcript, transcript_of
from parley.unified.user import User, UserEmail

__all__ = [
    "Attendee",
    "AttendeeType",
    "CrmContext",
    "EncodedMeeting",
    "Meeting",
    "MeetingRef",
    "MeetingStatus",
    "MeetingType",
    "Owner",
    "Page",
    "Speaker",
    "SpeakerType",
    "Team",
    "Tracker",
    "TrackerMention",
    "Transcript",
    "TranscriptEntry",
    "UnifiedModel",
    "User",
    "UserEmail",
    "to_utc",
    "transcript_of",
]
