"""Meeting content hashes: version 2 is written, version 1 (stored before) still compares."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from parley.storage.repositories.store_records import meeting_record
from parley.unified import Meeting, MeetingStatus, Speaker, TranscriptEntry

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
    data = meeting.model_dump(mode="json", exclude={"transcript", "remote_data"})
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


def test_version_two_fits_the_column_and_is_told_apart() -> None:
    record = meeting_record(BASE, has_details=True)

    assert record.content_hash.startswith("2:")
    assert len(record.content_hash) == 45  # the column holds 64
    assert record.same_content(record.content_hash)


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
