"""Meeting content hashes: version 3 is written; versions 1 and 2 (stored before) still compare."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from parley.storage.repositories.store_records import (
    meeting_record,
    predates_rounding,
    stored_record,
)
from parley.unified import Meeting, MeetingStatus, Speaker, SpeakerType, TranscriptEntry

# Floats msgspec and json.dumps spell differently (1e16 / 1e+16, 0.00001 / 1e-05): the two
# versions' canonical JSON differ, so a version-1 hash can only match version-1 bytes.
ENTRIES = [
    TranscriptEntry(index=0, speaker_id="s1", text="Hi.", start_time=0.00001, end_time=1.5),
    TranscriptEntry(index=1, speaker_id="s2", speaker_name="Bo", text="15% off?", start_time=2.0),
]
BASE = Meeting(
    id="m1",
    title="Pricing",
    status=MeetingStatus.COMPLETED,
    duration=1e16,
    speakers=[Speaker(speaker_id="s1", user_id="u1")],
    remote_data={"conversation": {"id": "m1", "score": 1e-05}},
)


def version_one(meeting: Meeting) -> str:
    """The content hash as the code before version 2 computed it (copied from that code)."""
    # The model of that code had no `is_private` (it was added later, and only a true one is
    # hashed): a meeting stored then was never private.
    data = meeting.model_dump(mode="json", exclude={"transcript", "remote_data", "is_private"})
    data["transcript"] = None
    data["remote_data"] = meeting.remote_data
    transcript = (
        None
        if meeting.transcript is None
        else [e.model_dump(mode="json") for e in meeting.transcript]
    )
    value = {"meeting": data, "transcript": transcript}
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@pytest.mark.parametrize("transcript", [None, [], ENTRIES])
def test_a_record_knows_its_version_one_hash(transcript: Any) -> None:
    meeting = BASE.model_copy(update={"transcript": transcript})

    record = meeting_record(meeting, has_details=True, remote_data=meeting.remote_data)

    assert record.legacy_hash() == version_one(meeting)
    assert record.same_content(version_one(meeting))
    assert record.content_hash != version_one(meeting)


def test_is_private_changes_the_hash_only_when_true() -> None:
    remote = BASE.remote_data
    public = meeting_record(BASE, has_details=True, remote_data=remote)
    marked = BASE.model_copy(update={"is_private": True})
    private = meeting_record(marked, has_details=True, remote_data=remote)

    assert public.data["is_private"] is False  # stored, so reads and filters see it
    assert public.same_content(version_one(BASE))  # the form hashed before the field existed
    assert not private.same_content(public.content_hash)
    assert not private.same_content(version_one(BASE))


def test_version_three_fits_the_column_and_is_told_apart() -> None:
    record = meeting_record(BASE, has_details=True)

    assert record.content_hash.startswith("3:")
    assert len(record.content_hash) == 45  # the column holds 64
    assert record.same_content(record.content_hash)
    assert not predates_rounding(record.content_hash)


def test_a_version_two_hash_of_the_same_digest_is_the_same_content() -> None:
    record = meeting_record(BASE, has_details=True)
    version_two = "2:" + record.content_hash[2:]

    assert record.same_content(version_two)
    assert predates_rounding(version_two)
    assert predates_rounding(version_one(BASE))


@pytest.mark.parametrize("has_details", [False, True])
def test_a_stored_meeting_read_back_has_its_record_hash(has_details: bool) -> None:
    meeting = BASE.model_copy(update={"transcript": ENTRIES if has_details else None})
    record = meeting_record(meeting, has_details=has_details, remote_data=meeting.remote_data)
    stored = json.loads(json.dumps(record.data))  # as the JSON column gives it back

    assert stored_record(stored, has_details, list(record.entries)).content_hash == (
        record.content_hash
    )


def test_a_stored_meeting_read_back_is_rounded_as_a_fresh_mapping() -> None:
    # Mapped before rounding: `2201.7 + 6.7` kept whole, as version 2 hashed it.
    whole = TranscriptEntry.model_construct(
        index=0,
        speaker_id="s1",
        speaker_name=None,
        speaker_type=SpeakerType.UNKNOWN,
        text="Hi.",
        start_time=2201.7,
        end_time=2201.7 + 6.7,
    )
    old = BASE.model_construct(**{**dict(BASE), "transcript": [whole], "duration": 12.34567})
    before = meeting_record(old, has_details=True, remote_data=old.remote_data)
    fresh = Meeting.model_validate(old.model_dump())

    after = meeting_record(fresh, has_details=True, remote_data=fresh.remote_data)

    assert (fresh.duration, (fresh.transcript or [])[0].end_time) == (12.346, 2208.4)
    assert not after.same_content("2:" + before.content_hash[2:])
    assert stored_record(before.data, True, list(before.entries)).content_hash == (
        after.content_hash
    )


def test_other_content_matches_neither_version() -> None:
    record = meeting_record(BASE.model_copy(update={"transcript": ENTRIES}), has_details=True)
    edited = BASE.model_copy(update={"transcript": ENTRIES[:1]})
    other = meeting_record(edited, has_details=True)

    assert not record.same_content(other.content_hash)
    assert not record.same_content(version_one(edited))
    # None and an empty transcript are different contents in both versions.
    empty = meeting_record(BASE.model_copy(update={"transcript": []}), has_details=True)
    none = meeting_record(BASE, has_details=True)
    assert empty.content_hash != none.content_hash
    assert not empty.same_content(version_one(BASE))


def test_the_hash_ignores_key_order_of_the_raw_payload() -> None:
    shuffled = BASE.model_copy(
        update={"remote_data": {"conversation": {"score": 1e-05, "id": "m1"}}}
    )

    first = meeting_record(BASE, has_details=True, remote_data=BASE.remote_data)
    second = meeting_record(shuffled, has_details=True, remote_data=shuffled.remote_data)

    assert first.content_hash == second.content_hash
