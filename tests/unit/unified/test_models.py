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
    Transcript,
    TranscriptEntry,
    UnifiedModel,
    User,
    transcript_of,
)
from parley.unified.base import RemoteData


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


def _every_unified_model() -> list[type[UnifiedModel]]:
    found: list[type[UnifiedModel]] = []
    stack = list(UnifiedModel.__subclasses__())
    while stack:
        model = stack.pop()
        found.append(model)
        stack.extend(model.__subclasses__())
    return found


def test_every_unified_model_is_known_here() -> None:
    assert {m.__name__ for m in _every_unified_model()} >= {"Meeting", "User", "Team", "Transcript"}


@pytest.mark.parametrize("model", _every_unified_model(), ids=lambda m: m.__name__)
def test_a_unified_object_lists_id_first_and_remote_data_last(model: type[UnifiedModel]) -> None:
    keys = list(
        model.model_validate(
            {"id": "x1", "remote_data": {"raw": 1}, **_required(model)}
        ).model_dump(mode="json")
    )

    assert (keys[0], keys[-1]) == ("id", "remote_data")


def _required(model: type[UnifiedModel]) -> dict[str, object]:
    return {"meeting": {"id": "x1"}} if model is Transcript else {}


def test_a_unified_model_in_another_order_is_refused_at_definition() -> None:
    with pytest.raises(TypeError, match="`id` first, `remote_data` last"):

        class Misordered(UnifiedModel):
            remote_data: RemoteData = None
            id: str


def test_seconds_are_rounded_to_the_millisecond_wherever_a_model_is_built() -> None:
    entry = TranscriptEntry(index=0, text="Hi.", start_time=2201.7, end_time=2201.7 + 6.7)
    meeting = Meeting(id="m1", duration=1800.0004, transcript=[entry])

    assert (entry.end_time, meeting.duration) == (2208.4, 1800.0)
    assert (transcript_of(meeting).start_time, transcript_of(meeting).end_time) == (2201.7, 2208.4)
    assert '"end_time":2208.4' in meeting.model_dump_json()
