"""Chorus -> unified Meeting mapping on spec-shaped JSON, including nulls and missing fields."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

import pytest
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from parley.errors import ProviderResponseError
from parley.providers.chorus.mapping import (
    engagement_row_of,
    map_meeting,
    meeting_from_conversation,
    meeting_from_engagement,
)
from parley.unified import AttendeeType, MeetingStatus, MeetingType, SpeakerType

MEETING_ID = "EE8ED5BBBC254177B8201B9D84855949"


def link(meeting_id: str, kind: Literal["audio", "video"]) -> str:
    return f"https://parley.test/meetings/{meeting_id}/recording?kind={kind}"


def attrs(doc: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = doc["data"]["attributes"]
    return result


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


def test_engagement_without_an_id_is_a_provider_response_error() -> None:
    with pytest.raises(ProviderResponseError, match="without an id"):
        meeting_from_engagement({"subject": "No id"})


def test_engagement_that_is_not_an_object_is_a_provider_response_error() -> None:
    with pytest.raises(ProviderResponseError, match="not a JSON object"):
        map_meeting(["nope"], None)  # type: ignore[arg-type]


def test_conversation_maps_detail_fields(conversation: dict[str, Any]) -> None:
    meeting = meeting_from_conversation(conversation)

    assert meeting.id == MEETING_ID
    assert meeting.title == "Globex <> ZoomInfo"
    assert meeting.type is MeetingType.OTHER
    assert meeting.status is MeetingStatus.COMPLETED
    assert meeting.start_time == datetime(2021, 9, 24, 13, 32, 42, tzinfo=UTC)
    assert meeting.duration == 2872.75
    assert meeting.language == "en"
    assert meeting.web_url is None
    assert meeting.meeting_url == "https://acme.zoom.us/j/123456789"
    assert meeting.calendar_event_id == "cal-987"
    assert meeting.summary == "Discussed pricing and next steps."
    assert meeting.action_items == ["Send the pricing sheet", "Book a technical deep dive"]
    assert meeting.created_at == datetime(2021, 9, 24, 13, 40, tzinfo=UTC)
    assert meeting.updated_at == datetime(2021, 9, 24, 15, 2, 11, tzinfo=UTC)
    assert meeting.remote_data == {"conversation": conversation["data"]}


def test_conversation_crm_comes_from_account_and_deal(conversation: dict[str, Any]) -> None:
    crm = meeting_from_conversation(conversation).crm

    assert crm is not None
    assert crm.model_dump() == {
        "account_id": "4411",
        "account_name": "Globex",
        "opportunity_id": "0065e00000ABCDE",
        "opportunity_name": "Globex - Platform",
        "deal_stage": "Discovery",
    }


def test_conversation_attendees_mark_host_and_internal(conversation: dict[str, Any]) -> None:
    host, guest = meeting_from_conversation(conversation).attendees

    assert (host.id, host.type, host.is_host) == ("18272271", AttendeeType.USER, True)
    assert (guest.id, guest.type, guest.is_host) == ("18272272", AttendeeType.GUEST, False)
    assert guest.email == "hank.scorpio@globex.com"
    assert guest.user_id is None


def test_title_falls_back_to_generated_subject(conversation: dict[str, Any]) -> None:
    attrs(conversation)["name"] = None
    assert meeting_from_conversation(conversation).title == "Globex discovery call"


def test_calendar_id_falls_back_to_ical_uid(conversation: dict[str, Any]) -> None:
    attrs(conversation)["meeting"]["calendar_id"] = None
    assert meeting_from_conversation(conversation).calendar_event_id == "ical-555@google.com"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("done", MeetingStatus.COMPLETED),
        ("live", MeetingStatus.IN_PROGRESS),
        ("no show", MeetingStatus.NO_SHOW),
        ("processing", MeetingStatus.PROCESSING),
        ("scheduled", MeetingStatus.SCHEDULED),
        ("unknown", MeetingStatus.UNKNOWN),
        ("exploded", MeetingStatus.UNKNOWN),
        (None, MeetingStatus.UNKNOWN),
    ],
)
def test_conversation_status_maps_unknown_to_unknown(
    conversation: dict[str, Any], status: str | None, expected: MeetingStatus
) -> None:
    attrs(conversation)["status"] = status
    assert meeting_from_conversation(conversation).status is expected


def test_transcript_takes_speakers_from_clusters_or_speaker_fields(
    conversation: dict[str, Any],
) -> None:
    transcript = meeting_from_conversation(conversation).transcript

    assert transcript is not None
    assert [e.model_dump() for e in transcript] == [
        {
            "index": 0,
            "speaker_id": "1",
            "speaker_name": "Mike Gorman",
            "speaker_type": "user",
            "text": "Thanks for joining, let's talk pricing.",
            "start_time": 0.0,
            "end_time": 5.5,
        },
        {
            "index": 1,
            "speaker_id": "2",
            "speaker_name": "Hank Scorpio",
            "speaker_type": "guest",
            "text": "Sure, what does it cost?",
            "start_time": 5.5,
            "end_time": 12.0,
        },
        {
            "index": 2,
            "speaker_id": "1",
            "speaker_name": "Michael Gorman",
            "speaker_type": "user",
            "text": "Our price depends on seats.",
            "start_time": 12.0,
            "end_time": 16.0,
        },
    ]


def test_transcript_speaker_id_falls_back_to_speaker_fields(conversation: dict[str, Any]) -> None:
    attrs(conversation)["recording"]["clusters"] = []
    transcript = meeting_from_conversation(conversation).transcript or []

    assert [e.speaker_id for e in transcript] == ["1", "2", "7"]
    assert [e.speaker_type for e in transcript][1:] == [SpeakerType.UNKNOWN, SpeakerType.USER]


def test_transcript_tolerates_missing_utterance_fields(conversation: dict[str, Any]) -> None:
    attrs(conversation)["recording"]["utterances"] = [
        {"snippet": None, "participant": 99},
        {"index": 5, "snippet": "hi", "snippet_time": 3.0},
    ]
    first, second = meeting_from_conversation(conversation).transcript or []

    assert (first.index, first.text, first.speaker_id) == (0, "", "99")
    assert (first.speaker_name, first.speaker_type) == (None, SpeakerType.UNKNOWN)
    assert (second.index, second.start_time, second.end_time) == (5, 3.0, None)


def test_speakers_sum_talk_time_and_share_it(conversation: dict[str, Any]) -> None:
    speakers = meeting_from_conversation(conversation).speakers

    assert speakers is not None
    assert [(s.speaker_id, s.name, s.type, s.user_id) for s in speakers] == [
        ("1", "Mike Gorman", SpeakerType.USER, "305921"),
        ("2", "Hank Scorpio", SpeakerType.GUEST, None),
    ]
    assert [s.talk_time for s in speakers] == [9.0, 3.0]
    assert [s.talk_ratio for s in speakers] == [0.75, 0.25]


def test_speakers_without_talk_time_have_zero_ratio(conversation: dict[str, Any]) -> None:
    for cluster in attrs(conversation)["recording"]["clusters"]:
        cluster["ranges"] = [{"start": 0, "length": 1, "talk_time": None}]
    speakers = meeting_from_conversation(conversation).speakers or []

    assert [(s.talk_time, s.talk_ratio) for s in speakers] == [(0.0, 0.0), (0.0, 0.0)]


def test_trackers_keep_mentions_and_topics_need_matches(conversation: dict[str, Any]) -> None:
    meeting = meeting_from_conversation(conversation)

    pricing, competitors = meeting.trackers
    assert (pricing.name, pricing.type, pricing.count) == ("Pricing", "chorus", 2)
    assert [(m.segment_index, m.offset) for m in pricing.mentions] == [(0, 12.0), (2, 3.0)]
    assert (competitors.count, competitors.mentions) == (0, [])
    assert meeting.topics == ["Pricing"]


def test_tracker_without_count_counts_its_mentions(conversation: dict[str, Any]) -> None:
    tracker = attrs(conversation)["recording"]["trackers"][0]
    tracker["count"] = None
    tracker["mentions"].append({"offset": 1})
    pricing = meeting_from_conversation(conversation).trackers[0]

    assert (pricing.count, len(pricing.mentions)) == (2, 2)


def test_conversation_with_nulls_and_missing_parts_does_not_crash(
    conversation: dict[str, Any],
) -> None:
    a = attrs(conversation)
    a.update(recording=None, participants=None, account=None, deal=None, meeting=None, status=None)
    for key in ("owner", "summary", "action_items", "_created_at", "name", "generated_subject"):
        del a[key]
    meeting = meeting_from_conversation(conversation, recording_url=link)

    assert meeting.id == MEETING_ID
    assert meeting.title is None
    assert (meeting.transcript, meeting.speakers, meeting.trackers) == (None, None, [])
    assert (meeting.owner, meeting.crm, meeting.attendees) == (None, None, [])
    assert (meeting.audio_recording_url, meeting.video_recording_url) == (None, None)
    assert meeting.start_time is None


def test_bare_resource_is_accepted_like_the_document(conversation: dict[str, Any]) -> None:
    assert meeting_from_conversation(conversation["data"]) == meeting_from_conversation(
        conversation
    )


def test_merge_prefers_engagement_scalars_and_conversation_detail(
    engagement: dict[str, Any], conversation: dict[str, Any]
) -> None:
    meeting = map_meeting(engagement, conversation)

    assert meeting.title == "Unscheduled Meeting"
    assert meeting.type is MeetingType.MEETING
    assert meeting.web_url == f"https://chorus.ai/meeting/{MEETING_ID}"
    assert meeting.meeting_url == "https://acme.zoom.us/j/123456789"
    assert len(meeting.attendees) == 2
    assert meeting.trackers[0].mentions != []
    assert meeting.topics == ["Pricing"]
    assert meeting.transcript is not None
    assert meeting.crm is not None
    assert meeting.crm.account_id == "4411"  # E sent "", so C fills it
    assert meeting.remote_data == {"engagement": engagement, "conversation": conversation["data"]}
    assert engagement_row_of(meeting.remote_data) == engagement


def test_merge_takes_engagement_state_when_conversation_status_is_unknown(
    engagement: dict[str, Any], conversation: dict[str, Any]
) -> None:
    attrs(conversation)["status"] = "unknown"
    engagement.update(processing_state="processing", no_show=False)

    assert map_meeting(engagement, conversation).status is MeetingStatus.PROCESSING


def test_recording_urls_are_null_without_a_link_builder(conversation: dict[str, Any]) -> None:
    meeting = meeting_from_conversation(conversation)
    assert (meeting.audio_recording_url, meeting.video_recording_url) == (None, None)


def test_recording_urls_use_the_link_builder(conversation: dict[str, Any]) -> None:
    meeting = meeting_from_conversation(conversation, recording_url=link)

    assert meeting.audio_recording_url == link(MEETING_ID, "audio")
    assert meeting.video_recording_url == link(MEETING_ID, "video")


def test_audio_only_recording_has_no_video(conversation: dict[str, Any]) -> None:
    attrs(conversation)["recording"]["audio_only"] = True
    meeting = meeting_from_conversation(conversation, recording_url=link)

    assert meeting.audio_recording_url == link(MEETING_ID, "audio")
    assert meeting.video_recording_url is None


def test_unrecorded_conversation_has_no_recording(conversation: dict[str, Any]) -> None:
    attrs(conversation)["recording"]["unrecorded_reason"] = "participant_declined"
    meeting = meeting_from_conversation(conversation, recording_url=link)

    assert (meeting.audio_recording_url, meeting.video_recording_url) == (None, None)


def test_listed_no_show_is_no_show_without_recording(engagement: dict[str, Any]) -> None:
    # The spec example itself: processing_state "done" and no_show true.
    meeting = meeting_from_engagement(engagement, recording_url=link)

    assert meeting.status is MeetingStatus.NO_SHOW
    assert (meeting.audio_recording_url, meeting.video_recording_url) == (None, None)


@pytest.mark.parametrize(
    "change", [{"processing_state": "scheduled"}, {"duration": 0}], ids=["scheduled", "empty"]
)
def test_listed_meeting_without_recording_has_no_links(
    engagement: dict[str, Any], change: dict[str, Any]
) -> None:
    engagement.update(no_show=False, **change)
    meeting = meeting_from_engagement(engagement, recording_url=link)

    assert (meeting.audio_recording_url, meeting.video_recording_url) == (None, None)


def test_zero_length_recording_has_no_links(conversation: dict[str, Any]) -> None:
    attrs(conversation)["recording"]["duration"] = 0
    meeting = meeting_from_conversation(conversation, recording_url=link)

    assert (meeting.audio_recording_url, meeting.video_recording_url) == (None, None)


def test_listed_dialer_call_offers_audio_only(engagement: dict[str, Any]) -> None:
    engagement.update(engagement_type="dialer", no_show=False)
    meeting = meeting_from_engagement(engagement, recording_url=link)

    assert meeting.audio_recording_url == link(MEETING_ID, "audio")
    assert meeting.video_recording_url is None


def test_listed_email_engagement_has_no_recording(engagement: dict[str, Any]) -> None:
    engagement["engagement_type"] = "email"
    meeting = meeting_from_engagement(engagement, recording_url=link)

    assert (meeting.audio_recording_url, meeting.video_recording_url) == (None, None)


def test_meeting_times_serialise_as_utc_iso(engagement: dict[str, Any]) -> None:
    body = meeting_from_engagement(engagement).model_dump(mode="json")

    assert body["start_time"] == "2021-09-24T13:32:42Z"
    assert body["end_time"] == "2021-09-24T14:20:34.750000Z"


def test_engagement_row_of_reads_bare_rows_too(engagement: dict[str, Any]) -> None:
    assert engagement_row_of(engagement) == engagement
    assert engagement_row_of({"conversation": {}}) is None
    assert engagement_row_of(None) is None
