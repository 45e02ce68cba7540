"""Engagement rows -> list-level Meeting on spec-shaped JSON, nulls and missing fields."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from parley.errors import ProviderResponseError
from parley.providers.chorus.mapping import (
    engagement_row_of,
    map_meeting,
    meeting_from_engagement,
)
from parley.unified import AttendeeType, MeetingStatus, MeetingType

MEETING_ID = "EE8ED5BBBC254177B8201B9D84855949"


def test_conversation_fixture_matches_the_spec_schema(
    conversation: dict[str, Any], chorus_schemas: dict[str, Any]
) -> None:
    registry = Registry().with_resource(
        "spec", Resource.from_contents(chorus_schemas, default_specification=DRAFT4)
    )
    validator = OAS30Validator({"$ref": "spec#/components/schemas/RecordingDoc"}, registry=registry)
    assert [e.message for e in validator.iter_errors(conversation)] == []


def test_engagement_row_maps_list_level_fields(engagement: dict[str, Any]) -> None:
    engagement["no_show"] = False
    meeting = meeting_from_engagement(engagement)

    assert meeting.id == MEETING_ID
    assert meeting.title == "Unscheduled Meeting"
    assert meeting.type is MeetingType.MEETING
    assert meeting.status is MeetingStatus.COMPLETED
    assert meeting.start_time == datetime(2021, 9, 24, 13, 32, 42, tzinfo=UTC)
    assert meeting.duration == 2872.75
    assert meeting.end_time is not None
    assert (meeting.end_time - meeting.start_time).total_seconds() == 2872.75
    assert meeting.language == "en"
    assert meeting.web_url == f"https://chorus.ai/meeting/{MEETING_ID}"
    assert meeting.owner is not None
    assert meeting.owner.model_dump() == {
        "user_id": "305921",
        "name": "Mike Gorman",
        "email": "mike.gorman@zoominfo.com",
    }


def test_engagement_row_leaves_detail_fields_empty(engagement: dict[str, Any]) -> None:
    meeting = meeting_from_engagement(engagement)

    assert meeting.transcript is None
    assert meeting.speakers is None
    assert meeting.summary is None
    assert meeting.action_items == []
    assert meeting.meeting_url is None
    assert meeting.calendar_event_id is None
    assert meeting.created_at is None
    assert meeting.remote_data == {"engagement": engagement}


def test_engagement_participants_become_attendees(engagement: dict[str, Any]) -> None:
    (attendee,) = meeting_from_engagement(engagement).attendees

    assert attendee.id == "18272271"
    assert attendee.user_id == "305921"
    assert attendee.type is AttendeeType.USER
    assert attendee.is_host is True
    assert attendee.title == "Principal Architect"
    assert attendee.company_name == "ZoomInfo"


def test_tracker_matches_become_topics_without_mentions(engagement: dict[str, Any]) -> None:
    engagement["tracker_matches"].append({"name": "Silent", "num_matches": 0, "type": "chorus"})
    meeting = meeting_from_engagement(engagement)

    assert meeting.topics == [
        "Authority",
        "Objection - Great Question / Feedback",
        "Trial / POC",
        "Next Steps & To Do's",
        "Note to self",
        "Coronavirus",
    ]
    assert meeting.trackers[3].count == 3
    assert all(t.mentions == [] for t in meeting.trackers)


def test_empty_strings_are_unknown_not_values(engagement: dict[str, Any]) -> None:
    meeting = meeting_from_engagement(engagement)

    assert meeting.crm is not None
    assert meeting.crm.account_id is None
    assert meeting.crm.account_name == "Mike Gorman Meetings"
    assert meeting.crm.opportunity_id == "string"


@pytest.mark.parametrize(
    ("engagement_type", "expected"),
    [
        ("meeting", MeetingType.MEETING),
        ("dialer", MeetingType.CALL),
        ("email", MeetingType.OTHER),
        ("hologram", MeetingType.OTHER),
        (None, MeetingType.OTHER),
    ],
)
def test_engagement_type_maps_unknown_to_other(
    engagement: dict[str, Any], engagement_type: str | None, expected: MeetingType
) -> None:
    engagement["engagement_type"] = engagement_type
    assert meeting_from_engagement(engagement).type is expected


def test_engagement_with_only_an_id_maps_to_nulls() -> None:
    meeting = meeting_from_engagement({"engagement_id": "A1"})

    assert meeting.id == "A1"
    assert meeting.title is None
    assert meeting.status is MeetingStatus.UNKNOWN
    assert meeting.start_time is None
    assert meeting.end_time is None
    assert meeting.owner is None
    assert meeting.attendees == []
    assert meeting.crm is None
    assert meeting.topics == []


def test_engagement_with_null_everything_does_not_crash(engagement: dict[str, Any]) -> None:
    nulled = dict.fromkeys(engagement) | {"engagement_id": "A1"}
    meeting = meeting_from_engagement(nulled)

    assert meeting.id == "A1"
    assert meeting.duration is None
    assert meeting.trackers == []


def test_engagement_with_odd_values_keeps_what_it_can(engagement: dict[str, Any]) -> None:
    engagement.update(
        date_time="2021-09-24T13:32:42Z",
        duration="n/a",
        participants=[None, "x", {"name": "Anon", "type": "cust"}],
        tracker_matches="not a list",
    )
    meeting = meeting_from_engagement(engagement)

    assert meeting.start_time == datetime(2021, 9, 24, 13, 32, 42, tzinfo=UTC)
    assert meeting.duration is None
    assert meeting.end_time is None
    assert [(a.id, a.type) for a in meeting.attendees] == [("0", AttendeeType.GUEST)]
    assert meeting.trackers == []


@pytest.mark.parametrize("duration", [2**60, 10**400, 1e300])
def test_a_duration_past_any_date_leaves_the_end_unknown(
    engagement: dict[str, Any], duration: float
) -> None:
    engagement["duration"] = duration
    meeting = meeting_from_engagement(engagement)

    assert meeting.start_time is not None
    assert meeting.end_time is None


def test_engagement_without_an_id_is_a_provider_response_error() -> None:
    with pytest.raises(ProviderResponseError, match="without an id"):
        meeting_from_engagement({"subject": "No id"})


def test_engagement_that_is_not_an_object_is_a_provider_response_error() -> None:
    with pytest.raises(ProviderResponseError, match="not a JSON object"):
        map_meeting(["nope"], None)  # type: ignore[arg-type]


def test_meeting_times_serialise_as_utc_iso(engagement: dict[str, Any]) -> None:
    body = meeting_from_engagement(engagement).model_dump(mode="json")

    assert body["start_time"] == "2021-09-24T13:32:42Z"
    assert body["end_time"] == "2021-09-24T14:20:34.750000Z"


def test_engagement_row_of_reads_bare_rows_too(engagement: dict[str, Any]) -> None:
    assert engagement_row_of(engagement) == engagement
    assert engagement_row_of({"conversation": {}}) is None
    assert engagement_row_of(None) is None
