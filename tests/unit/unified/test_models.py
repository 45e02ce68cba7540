"""Unified models: Truto field names, ISO-8601 UTC times, nothing invented."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from parley.unified import (
    Meeting,
    MeetingStatus,
    Page,
    SpeakerType,
    TranscriptEntry,
    User,
    transcript_of,
)


def test_times_serialise_as_iso_utc_with_z() -> None:
    plus_two = timezone(timedelta(hours=2))
    meeting = Meeting(id="m1", start_time=datetime(2026, 3, 1, 14, 0, tzinfo=plus_two))
    data = meeting.model_dump(mode="json")
    assert data["start_time"] == "2026-03-01T12:00:00Z"


def test_naive_times_are_taken_as_utc() -> None:
    data = Meeting(id="m1", start_time=datetime(2026, 3, 1, 12)).model_dump(mode="json")
    assert data["start_time"] == "2026-03-01T12:00:00Z"


def test_unknown_stays_null_and_enums_default_to_unknown() -> None:
    data = Meeting(id="m1").model_dump(mode="json")
    assert data["title"] is None
    assert data["status"] == MeetingStatus.UNKNOWN.value
    assert data["transcript"] is None
    assert data["attendees"] == []


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValidationError):
        Meeting(id="m1", calender_event="typo")  # type: ignore[call-arg]


def test_transcript_resource_spans_its_entries() -> None:
    entries = [
        TranscriptEntry(index=0, text="hi", start_time=1.0, end_time=2.5),
        TranscriptEntry(
            index=1, text="hello", start_time=3.0, end_time=4.0, speaker_type=SpeakerType.GUEST
        ),
    ]
    transcript = transcript_of(Meeting(id="m1", transcript=entries))
    assert transcript.id == "m1"
    assert transcript.meeting.id == "m1"
    assert (transcript.start_time, transcript.end_time) == (1.0, 4.0)
    assert [e.text for e in transcript.entries] == ["hi", "hello"]


def test_page_envelope_counts_results() -> None:
    page = Page[User](result=[User(id="1"), User(id="2")], next_cursor="abc")
    body = page.envelope()
    assert body["result_count"] == 2
    assert body["next_cursor"] == "abc"
    assert body["result"][0]["id"] == "1"


def test_user_dates_are_utc() -> None:
    user = User(id="1", created_at=datetime(2025, 1, 1, tzinfo=UTC))
    assert user.model_dump(mode="json")["created_at"] == "2025-01-01T00:00:00Z"
