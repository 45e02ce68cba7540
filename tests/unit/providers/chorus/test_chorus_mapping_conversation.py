"""Conversation documents (alone and merged) -> full Meeting, nulls and missing fields."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

import pytest

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
