"""The lean detail path gives what the reference mapping gives, document for document."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from parley.errors import ProviderResponseError
from parley.providers.chorus.conversation import meeting_from_doc
from parley.providers.chorus.mapping import map_meeting

TEXTS: list[Any] = [None, "", "  ", "x", " Mike ", "\x00", "a\x00b", "Zoë 💬", "\u2028", 7, 3.0]
NUMBERS: list[Any] = [None, 0, 0.0, -0.0, 5, -3, 2.5, "4.5", " 12 ", "x", "", 2**53, 2**60]
NUMBERS += [10**400, 1e308, float("nan"), float("inf"), True, False, [], {}]
STAMPS: list[Any] = [None, "", "x", "2021-09-24T13:32:42Z", "2021-09-24T15:32:42+02:00"]
STAMPS += ["2021-09-24T13:32:42", 1632490362, 1632490362000, "1632490362", 1e300, -1e300]
FLAGS: list[Any] = [None, True, False, "true", "FALSE", "yes", 1, 0]
KINDS: list[Any] = [None, "", "  ", "rep", "cust", " Rep ", "CUST", "agent", 3, True]
STATUSES: list[Any] = [None, "", "done", " Done ", "live", "no show", "scheduled", "unknown"]
STATUSES += ["processing", "exploded", 5]
ODD: list[Any] = [None, "x", 3, True, [], {}, ["x"], [None, 3]]
#: a small pool so that clusters repeat ids and utterances find (or miss) them
CLUSTER_IDS: list[Any] = [1, 2, "1", "2", 3.0, " ", "", None, True, "c-9"]
ENGAGEMENT_FIELDS = [
    "subject",
    "language",
    "url",
    "user_id",
    "user_name",
    "user_email",
    "account_id",
    "account_name",
    "opportunity_id",
    "opportunity_name",
]
OWNER_ID, OWNER_EMAIL, OWNER_PERSON = 305921, "Mike@Example.com", 18272271


def link(meeting_id: str, kind: str) -> str:
    return f"https://parley.test/meetings/{meeting_id}/recording?kind={kind}"


def outcome(build: Any) -> tuple[str, Any]:
    try:
        return "ok", build().model_dump()
    except ProviderResponseError as exc:
        return "error", exc.message


def assert_same(row: Any, doc: Any, recording_url: Any = link) -> None:
    reference = outcome(
        lambda: map_meeting(copy.deepcopy(row), copy.deepcopy(doc), recording_url=recording_url)
    )
    lean = outcome(lambda: meeting_from_doc(copy.deepcopy(row), copy.deepcopy(doc), recording_url))
    # repr as well: a talk ratio of inf / inf is nan on both sides, and nan != nan
    assert lean == reference or repr(lean) == repr(reference), (row, doc)


def pick(rng: random.Random, fields: dict[str, list[Any]], keep: float = 0.8) -> dict[str, Any]:
    return {name: rng.choice(values) for name, values in fields.items() if rng.random() < keep}


def some(rng: random.Random, make: Any, most: int) -> Any:
    """A list of `make()` with a few odd elements, or (rarely) an odd value instead."""
    if rng.random() < 0.1:
        return rng.choice(ODD)
    return [make() if rng.random() < 0.9 else rng.choice(ODD) for _ in range(rng.randrange(most))]


def odd_row(rng: random.Random) -> dict[str, Any] | None:
    if rng.random() < 0.25:
        return None
    row = {name: rng.choice(TEXTS) for name in ENGAGEMENT_FIELDS if rng.random() < 0.6}
    row.update(pick(rng, {"date_time": STAMPS, "duration": NUMBERS, "no_show": FLAGS}))
    row["engagement_type"] = rng.choice([None, "meeting", "DIALER", "email", "x", ""])
    row["processing_state"] = rng.choice(STATUSES)
    if rng.random() < 0.7:
        row["engagement_id"] = rng.choice(["EE8E", " ", "", 42, None, "e/3 x"])
    if rng.random() < 0.3:
        row.update(user_id=OWNER_ID, user_email=OWNER_EMAIL)
    row["participants"] = some(rng, lambda: participant(rng), 4)
    matches = {"name": TEXTS, "num_matches": NUMBERS, "type": TEXTS}
    row["tracker_matches"] = some(rng, lambda: pick(rng, matches), 4)
    return row


def participant(rng: random.Random) -> dict[str, Any]:
    fields = {"person_id": TEXTS, "user_id": TEXTS, "name": TEXTS, "email": TEXTS}
    person = pick(rng, {**fields, "title": TEXTS, "company_name": TEXTS, "type": KINDS}, 0.6)
    if rng.random() < 0.3:
        person.update(rng.choice([{"user_id": OWNER_ID}, {"email": "mike@example.com"}]))
    if rng.random() < 0.2:
        person["person_id"] = rng.choice([OWNER_PERSON, "", " "])
    return person


def cluster(rng: random.Random) -> dict[str, Any]:
    fields = {"participant": TEXTS, "speaker_name": TEXTS, "display_name": TEXTS}
    found = pick(rng, {**fields, "type": KINDS, "user_id": TEXTS, "id": CLUSTER_IDS}, 0.85)
    ranges = {"start": NUMBERS, "length": NUMBERS, "talk_time": [*NUMBERS, 1.5, 2.0, 1e308]}
    found["ranges"] = some(rng, lambda: pick(rng, ranges), 4)
    return found


def utterance(rng: random.Random, position: int) -> dict[str, Any]:
    fields = {"speaker_id": TEXTS, "speaker_name": TEXTS, "speaker_type": KINDS}
    said = pick(rng, {**fields, "snippet": TEXTS, "snippet_time": NUMBERS}, 0.7)
    said.update(pick(rng, {"snippet_length": NUMBERS, "participant": CLUSTER_IDS}))
    if rng.random() < 0.7:
        said["index"] = position if rng.random() < 0.8 else rng.choice(NUMBERS)
    return said


def tracker(rng: random.Random) -> dict[str, Any]:
    found = pick(rng, {"name": [*TEXTS, "Pricing"], "type": TEXTS, "count": NUMBERS})
    mention = {"utterance": [*NUMBERS, 0, 1, 2], "offset": NUMBERS}
    found["mentions"] = some(rng, lambda: pick(rng, mention), 4)
    return found


def recording(rng: random.Random) -> Any:
    if rng.random() < 0.1:
        return rng.choice([None, {}, "x", []])
    rec = pick(rng, {"audio_only": FLAGS, "recordable": FLAGS, "duration": NUMBERS}, 0.5)
    rec.update(pick(rng, {"unrecorded_reason": TEXTS, "start_time": STAMPS}, 0.5))
    if rng.random() < 0.85:
        rec["clusters"] = some(rng, lambda: cluster(rng), 5)
    if rng.random() < 0.85:
        rec["utterances"] = some(rng, lambda: utterance(rng, rng.randrange(20)), 20)
    if rng.random() < 0.85:
        rec["trackers"] = some(rng, lambda: tracker(rng), 4)
    return rec


def odd_doc(rng: random.Random) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        name: rng.choice(TEXTS)
        for name in ("name", "generated_subject", "language", "summary")
        if rng.random() < 0.6
    }
    attrs["status"] = rng.choice(STATUSES)
    for name in ("_created_at", "_modified_at", "created_at", "modified_at"):
        if rng.random() < 0.4:
            attrs[name] = rng.choice(STAMPS)
    attrs["action_items"] = rng.choice([None, "x", [], ["Send it", None, 3, 2.5, True, ""]])
    if rng.random() < 0.7:
        attrs["private"] = rng.choice(FLAGS)
    owner = {"user_id": [*TEXTS, OWNER_ID], "person_id": [*TEXTS, OWNER_PERSON, ""]}
    attrs["owner"] = pick(rng, {**owner, "name": TEXTS, "email": [*TEXTS, OWNER_EMAIL]})
    attrs["participants"] = some(rng, lambda: participant(rng), 4)
    meeting = {"calendar_id": TEXTS, "ical_uid": TEXTS, "meeting_url": TEXTS}
    attrs["meeting"] = pick(rng, meeting) if rng.random() < 0.8 else rng.choice(ODD)
    attrs["account"] = pick(rng, {"id": TEXTS, "name": TEXTS}) if rng.random() < 0.8 else None
    deal = {"id": TEXTS, "name": TEXTS, "current_stage": TEXTS}
    attrs["deal"] = pick(rng, deal) if rng.random() < 0.8 else rng.choice(ODD)
    attrs["recording"] = recording(rng)
    resource = {"type": "recording", "attributes": attrs if rng.random() < 0.95 else "x"}
    if rng.random() < 0.95:
        resource["id"] = rng.choice(["C1", "C 2", 42, 3.5, "C1", 7, " ", "", None, True])
    shape = rng.random()
    if shape < 0.8:
        return {"data": resource}
    return resource if shape < 0.9 else {**resource, "data": rng.choice([None, "x", []])}


def test_the_spec_example_maps_the_same(
    engagement: dict[str, Any], conversation: dict[str, Any]
) -> None:
    for row in (engagement, None):
        assert_same(row, conversation)
        assert_same(row, conversation, recording_url=None)
        assert_same(row, conversation["data"])


@pytest.mark.parametrize("seed", range(25))
def test_odd_documents_map_the_same(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(40):
        assert_same(odd_row(rng), odd_doc(rng), recording_url=link if rng.random() < 0.8 else None)


@pytest.mark.parametrize(
    ("sent", "private"),
    [(True, True), ("TRUE", True), (False, False), (None, False), ("yes", False), (1, False)],
)
def test_a_conversation_marked_private_maps_to_is_private(
    engagement: dict[str, Any], conversation: dict[str, Any], sent: Any, private: bool
) -> None:
    doc = copy.deepcopy(conversation)
    doc["data"]["attributes"]["private"] = sent
    # Both paths agree (the lean one and the reference mapping); the row alone never says so.
    assert meeting_from_doc(engagement, doc).is_private is private
    assert map_meeting(engagement, doc).is_private is private
    assert map_meeting(engagement, None).is_private is False


def test_remote_data_keeps_copies_of_the_row_and_the_resource(
    engagement: dict[str, Any], conversation: dict[str, Any]
) -> None:
    meeting = meeting_from_doc(engagement, conversation)

    assert meeting.remote_data == {"engagement": engagement, "conversation": conversation["data"]}
    assert meeting.remote_data["engagement"] is not engagement
    assert meeting.remote_data["conversation"] is not conversation["data"]


def test_utterances_take_the_id_of_their_speaker_cluster(conversation: dict[str, Any]) -> None:
    transcript = meeting_from_doc(None, conversation).transcript or []

    assert [(e.speaker_id, e.speaker_name) for e in transcript] == [
        ("1", "Mike Gorman"),
        ("2", "Hank Scorpio"),
        ("1", "Michael Gorman"),
    ]


def test_a_document_without_any_id_is_a_provider_response_error(
    conversation: dict[str, Any],
) -> None:
    conversation["data"]["id"] = " "
    with pytest.raises(ProviderResponseError, match="without an id"):
        meeting_from_doc({"engagement_id": ""}, conversation)


@pytest.mark.parametrize(("row", "doc"), [(["nope"], {}), (None, ["nope"])], ids=["row", "doc"])
def test_a_part_that_is_not_an_object_is_a_provider_response_error(row: Any, doc: Any) -> None:
    with pytest.raises(ProviderResponseError, match="not a JSON object"):
        meeting_from_doc(row, doc)


def test_seconds_are_rounded_to_the_millisecond_on_both_paths(
    engagement: dict[str, Any], conversation: dict[str, Any]
) -> None:
    recording = conversation["data"]["attributes"]["recording"]
    recording["utterances"][0].update(snippet_time=2201.7, snippet_length=6.7)  # 2208.3999…96
    recording["clusters"][0]["ranges"] = [{"talk_time": 0.1}, {"talk_time": 0.2}]  # 0.3000…04
    row = {**engagement, "duration": 1800.12345}

    for meeting in (meeting_from_doc(row, conversation), map_meeting(row, conversation)):
        first = (meeting.transcript or [])[0]
        assert (first.start_time, first.end_time) == (2201.7, 2208.4)
        assert (meeting.speakers or [])[0].talk_time == 0.3
        assert meeting.duration == 1800.123
        assert '"end_time":2208.4}' in meeting.model_dump_json()
