"""Stored forms of unified objects: canonical JSON, content hashes and table rows.

Pure functions (no I/O): `meeting_record` turns a unified Meeting into what the
`meetings`, `attendees` and `transcript_entries` tables hold, with the SHA-256 of the
canonical JSON of the whole meeting (transcript included) as its content hash.

Meeting content hashes are versioned. Version 2 (written now) is `"2:"` and the unpadded
base64url SHA-256 of msgspec's canonical JSON (45 characters): about five times cheaper than
`json.dumps(sort_keys=True)`, which spells some floats differently (`1e16` vs `1e+16`,
`0.00001` vs `1e-05`, NaN as null). A stored version-1 hash (64 hex characters of the
`json.dumps` form) is compared with the version-1 hash of the new record instead
(`MeetingRecord.same_content`), so upgrading never turns an unchanged meeting into a
`meeting.updated`. Users and teams keep the version-1 form (`content_hash`).

Version 3 (`"3:"`, written now) is version 2's form over content whose seconds are rounded
to the millisecond (`unified.base.Seconds`). A stored version-2 hash with the same digest is
the same content; one that differs may differ by rounding alone, so the writer compares the
stored meeting, read back through the models (which round), instead
(`predates_rounding`, `stored_record`): an upgrade emits no `meeting.updated` for that.

`Meeting.is_private` (added after version 3) enters the hashed form only when it is true
(`hashed_form`): every meeting stored before it, none of them private, keeps its hash of any
version, so the upgrade emits no `meeting.updated`; a meeting that is (or becomes) private
hashes differently, is rewritten, and its `is_private` column set.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import msgspec
from pydantic import TypeAdapter

from parley.unified import Meeting, TranscriptEntry

__all__ = [
    "ENTRY_COLUMNS",
    "ENTRY_CONTENT",
    "MeetingRecord",
    "StoredMeetingState",
    "WriteOutcome",
    "attendee_rows",
    "canonical_json",
    "content_hash",
    "entry_rows",
    "hashed_form",
    "legacy_canonical_json",
    "meeting_record",
    "meeting_row",
    "predates_rounding",
    "stored_record",
    "without_nul",
]

# One call for a whole transcript: far cheaper than a model_dump per entry.
_TRANSCRIPT = TypeAdapter(list[TranscriptEntry])


_CANONICAL = msgspec.json.Encoder(order="sorted")
#: The prefix of a version-2 meeting content hash (version 1 is 64 hex characters).
HASH_V2 = "2:"
#: The prefix of a version-3 meeting content hash: version 2's form, seconds rounded to ms.
HASH_V3 = "3:"


def canonical_json(value: Any) -> bytes:
    """JSON with sorted keys and no whitespace: equal documents give equal bytes."""
    try:
        return _CANONICAL.encode(value)
    except (TypeError, ValueError, OverflowError):  # a type msgspec does not write
        return legacy_canonical_json(value)


def legacy_canonical_json(value: Any) -> bytes:
    """Version 1 of `canonical_json`: `json.dumps` with sorted keys."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(value: Any) -> str:
    """SHA-256 (hex) of the version-1 canonical JSON of `value` (users and teams)."""
    return hashlib.sha256(legacy_canonical_json(value)).hexdigest()


def hashed_form(data: dict[str, Any]) -> dict[str, Any]:
    """A meeting's JSON as its content hash sees it: `is_private` only when true."""
    if data.get("is_private") or "is_private" not in data:
        return data
    return {k: v for k, v in data.items() if k != "is_private"}


def meeting_hash(canonical: bytes) -> str:
    """A version-3 meeting content hash of canonical JSON."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=")
    return HASH_V3 + digest.decode()


def predates_rounding(stored_hash: str) -> bool:
    """Whether a stored hash was taken before seconds were rounded (versions 1 and 2)."""
    return not stored_hash.startswith(HASH_V3)


class WriteOutcome(StrEnum):
    """What writing one meeting did to the store."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class MeetingRecord:
    """A unified meeting ready to store: its JSON, transcript rows and content hash.

    `meeting` is kept without its transcript and raw payload: a page of records waits in
    memory for its turn to be written, and transcript models cost about 1.4 KB an entry
    where an `ENTRY_CONTENT` tuple costs a fifth of that.
    """

    meeting: Meeting
    data: dict[str, Any]
    has_details: bool
    content_hash: str
    #: The transcript as `ENTRY_CONTENT` tuples, in spoken order (empty without one).
    entries: tuple[tuple[Any, ...], ...]
    #: False when the meeting has no transcript at all (None), as opposed to an empty one.
    has_transcript: bool

    @property
    def id(self) -> str:
        return self.meeting.id

    def same_content(self, stored_hash: str) -> bool:
        """Whether a stored content hash, of any version, is this record's.

        False for an older version may still be a difference of rounding alone: see
        `predates_rounding`.
        """
        if stored_hash.startswith((HASH_V3, HASH_V2)):
            # Versions 2 and 3 digest the same form: equal digests, equal content.
            return stored_hash[2:] == self.content_hash[2:]
        return stored_hash == self.legacy_hash()

    def legacy_hash(self) -> str:
        """The version-1 content hash of this record (from before version 2)."""
        transcript = None
        if self.has_transcript:
            transcript = [
                {
                    "index": index,
                    "speaker_id": speaker_id,
                    "speaker_name": speaker_name,
                    "speaker_type": speaker_type,
                    "text": text,
                    "start_time": start,
                    "end_time": end,
                }
                for index, speaker_id, speaker_name, speaker_type, _, start, end, text in (
                    self.entries
                )
            ]
        meeting = hashed_form(self.data)
        canonical = legacy_canonical_json({"meeting": meeting, "transcript": transcript})
        return hashlib.sha256(canonical).hexdigest()


def meeting_record(
    meeting: Meeting, *, has_details: bool, remote_data: dict[str, Any] | None = None
) -> MeetingRecord:
    """The stored form of `meeting`; `remote_data` replaces the meeting's own raw payload.

    NUL characters are dropped from every string: PostgreSQL's text and JSONB cannot hold
    them (one in a provider's transcript would stop that account's sync for good), and both
    databases must store the same thing. The canonical JSON shows whether there is any, so
    the common case costs nothing.
    """
    record, canonical = _record(meeting, has_details, remote_data)
    if _ESCAPED_NUL not in canonical:
        return record
    clean = Meeting.model_validate(without_nul(meeting.model_dump()))
    return _record(clean, has_details, without_nul(remote_data))[0]


def _record(
    meeting: Meeting, has_details: bool, remote_data: dict[str, Any] | None
) -> tuple[MeetingRecord, bytes]:
    """The record and the canonical JSON its content hash is taken of."""
    data = meeting.model_dump(mode="json", exclude={"transcript", "remote_data"})
    data["transcript"] = None
    data["remote_data"] = remote_data
    transcript = (
        None
        if meeting.transcript is None
        else _TRANSCRIPT.dump_python(meeting.transcript, mode="json")
    )
    canonical = canonical_json({"meeting": hashed_form(data), "transcript": transcript})
    users = {s.speaker_id: s.user_id for s in meeting.speakers or ()}
    entries = tuple(
        (
            e["index"],
            e["speaker_id"],
            e["speaker_name"],
            e["speaker_type"],
            users.get(e["speaker_id"]) if e["speaker_id"] else None,
            e["start_time"],
            e["end_time"],
            e["text"],
        )
        for e in transcript or ()
    )
    # Neither the provider's raw document nor the transcript models are kept: they are the
    # bulk of a full meeting's memory, and pages in flight must stay small.
    lean = meeting.model_copy(update={"remote_data": None, "transcript": None})
    has_transcript = meeting.transcript is not None
    record = MeetingRecord(
        lean, data, has_details, meeting_hash(canonical), entries, has_transcript
    )
    return record, canonical


def stored_record(
    data: dict[str, Any], has_details: bool, entries: list[tuple[Any, ...]]
) -> MeetingRecord:
    """The record of a stored meeting (its row's JSON, its `ENTRY_CONTENT` tuples), read back
    through the unified models as a stored read does: seconds rounded as they are now."""
    transcript = None
    if has_details:
        transcript = [
            {
                "index": index,
                "speaker_id": speaker_id,
                "speaker_name": speaker_name,
                "speaker_type": speaker_type,
                "text": text,
                "start_time": start,
                "end_time": end,
            }
            for index, speaker_id, speaker_name, speaker_type, _, start, end, text in entries
        ]
    meeting = Meeting.model_validate({**data, "transcript": transcript})
    return meeting_record(meeting, has_details=has_details, remote_data=data.get("remote_data"))


# How `canonical_json` writes a NUL character (a text holding a backslash and "u0000" matches
# too: then `without_nul` finds nothing to drop and the record is the same).
_ESCAPED_NUL = b"\\u0000"


def without_nul(value: Any) -> Any:
    """`value` with NUL characters dropped from every string in it, keys included."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_nul(item) for item in value]
    return value


@dataclass(frozen=True, slots=True)
class StoredMeetingState:
    """What a sync needs to know of a stored meeting to decide what to fetch and write."""

    id: str
    content_hash: str
    has_details: bool
    remote_data: Any


def meeting_row(account_id: str, record: MeetingRecord, now: datetime) -> dict[str, Any]:
    meeting = record.meeting
    return {
        "account_id": account_id,
        "id": meeting.id,
        "title": meeting.title[:1000] if meeting.title else meeting.title,
        "status": meeting.status.value,
        "type": meeting.type.value,
        "start_time": meeting.start_time,
        "duration": meeting.duration,
        "owner_user_id": meeting.owner.user_id if meeting.owner else None,
        "is_private": meeting.is_private,
        "has_details": record.has_details,
        "content_hash": record.content_hash,
        "data": record.data,
        "created_at": now,
        "updated_at": now,
    }


def attendee_rows(account_id: str, record: MeetingRecord) -> list[dict[str, Any]]:
    return [
        {
            "account_id": account_id,
            "meeting_id": record.id,
            "position": position,
            "attendee_id": attendee.id,
            "user_id": attendee.user_id,
            "name": attendee.name,
            # Lower-cased so `participant_email` matches whatever case it is given in.
            "email": attendee.email.lower() if attendee.email else None,
            "type": attendee.type.value,
        }
        for position, attendee in enumerate(record.meeting.attendees)
    ]


#: `transcript_entries` columns in the order of `entry_rows` tuples (the writer's insert).
ENTRY_COLUMNS = (
    "account_id",
    "meeting_id",
    "index",
    "speaker_id",
    "speaker_name",
    "speaker_type",
    "user_id",
    "start_time",
    "end_time",
    "text",
)
#: The columns that say whether two transcripts are the same (all but the two keys).
ENTRY_CONTENT = ENTRY_COLUMNS[2:]


def entry_rows(account_id: str, record: MeetingRecord) -> list[tuple[Any, ...]]:
    """The meeting's transcript entries as `ENTRY_COLUMNS` tuples (tuples: the writer hands
    them to the driver as they are, which matters at ~130 entries a meeting)."""
    return [(account_id, record.id, *entry) for entry in record.entries]
