"""The list path: `/v3/engagements` rows -> list-level Meetings in one lean pass (pure, no I/O).

`map_meeting(row, None)` in `mapping.py` is the reference field map; it parses the row into
`Chorus*` models and merges it with a conversation when there is one. A list page has no
conversation, and paying for a model per row, participant and tracker before building the
unified ones made listing several times slower than the proxy. This module applies the same
coercions (`coercion.as_*`) and rules straight to the row and lets pydantic-core build the
whole Meeting tree in one validation. `tests/unit/providers/chorus/test_chorus_listing.py`
holds the two equal on spec-shaped, odd and randomised rows. The detail path
(`conversation.py`) reads participants and tracker matches with the same helpers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from parley.errors import ProviderResponseError
from parley.providers.chorus.coercion import (
    as_filled,
    as_flag,
    as_integer,
    as_number,
    as_text,
    as_timestamp,
)
from parley.providers.chorus.mapping import (
    MEETING_TYPES,
    UNRECORDED_TYPES,
    RecordingUrl,
    end_of,
    status_of,
    utc_moment,
)
from parley.unified import AttendeeType, Meeting, MeetingStatus, MeetingType

__all__ = ["attendees_of", "meeting_from_row", "tracker_matches_of"]

_validate = Meeting.model_validate
_NOT_RECORDED = (MeetingStatus.SCHEDULED, MeetingStatus.NO_SHOW)
_USER, _GUEST = AttendeeType.USER, AttendeeType.GUEST
_EXACT = 2**53


def _lower(value: Any) -> str:
    """The lower-cased raw text of a kind field ("" when absent), not stripped."""
    text = as_text(value)
    return text.lower() if text else ""


def meeting_from_row(row: Mapping[str, Any], recording_url: RecordingUrl | None = None) -> Meeting:
    """A list-level Meeting from one `/v3/engagements` row, as `map_meeting(row, None)`."""
    if not isinstance(row, Mapping):
        raise ProviderResponseError("Chorus sent engagement that is not a JSON object.")
    get = row.get
    meeting_id = as_filled(get("engagement_id"))
    if meeting_id is None:
        raise ProviderResponseError("Chorus sent a meeting without an id.")
    kind = _lower(get("engagement_type"))
    duration = as_number(get("duration"))
    start = utc_moment(as_timestamp(get("date_time")))
    if as_flag(get("no_show")):
        status = MeetingStatus.NO_SHOW  # the spec's own example: "done" and nobody came
    else:
        status = status_of(as_text(get("processing_state"))) or MeetingStatus.UNKNOWN
    owner_id, owner_email = as_filled(get("user_id")), as_filled(get("user_email"))
    owner_name = as_filled(get("user_name"))
    owner = None
    if owner_id or owner_name or owner_email:
        owner = {"user_id": owner_id, "name": owner_name, "email": owner_email}
    audio = video = None
    if (
        recording_url is not None
        and kind not in UNRECORDED_TYPES
        and status not in _NOT_RECORDED
        and (duration is None or duration > 0)
    ):
        audio = recording_url(meeting_id, "audio")
        video = None if kind == "dialer" else recording_url(meeting_id, "video")
    trackers = tracker_matches_of(get("tracker_matches"))
    crm = {
        "account_id": as_filled(get("account_id")),
        "account_name": as_filled(get("account_name")),
        "opportunity_id": as_filled(get("opportunity_id")),
        "opportunity_name": as_filled(get("opportunity_name")),
    }
    return _validate(
        {
            "id": meeting_id,
            "title": as_filled(get("subject")),
            "type": MEETING_TYPES.get(kind, MeetingType.OTHER),
            "status": status,
            "start_time": start,
            "end_time": end_of(start, duration),
            "duration": duration,
            "language": as_filled(get("language")),
            "web_url": as_filled(get("url")),
            "owner": owner,
            "attendees": attendees_of(get("participants"), owner_id, owner_email),
            "audio_recording_url": audio,
            "video_recording_url": video,
            "topics": list(dict.fromkeys(t["name"] for t in trackers if t["count"] > 0)),
            "trackers": trackers,
            "crm": crm if any(crm.values()) else None,
            "remote_data": {"engagement": dict(row)},
        }
    )


def attendees_of(
    participants: Any,
    owner_id: str | None,
    owner_email: str | None,
    owner_person: str | None = None,
) -> list[dict[str, Any]]:
    """`participants[]` (of a row or a conversation) as Attendee fields, the owner as host."""
    if not isinstance(participants, list):
        return []
    owner_address = owner_email.lower() if owner_email is not None else None
    attendees: list[dict[str, Any]] = []
    index = 0
    for p in participants:
        if not isinstance(p, dict):
            continue  # one odd element must not sink its siblings
        get = p.get
        user_id, email = as_filled(get("user_id")), as_filled(get("email"))
        person = as_text(get("person_id"))
        is_host = (
            (owner_id is not None and user_id == owner_id)
            or (owner_address is not None and email is not None and email.lower() == owner_address)
            # The conversation's owner names a person id; compared as sent, blank or not.
            or (owner_person is not None and person == owner_person)
        )
        internal = user_id is not None or _lower(get("type")) == "rep"
        attendees.append(
            {
                # Attendees need an id: the person id, else whatever else identifies them.
                "id": person if person and not person.isspace() else user_id or email or str(index),
                "user_id": user_id,
                "name": as_filled(get("name")),
                "email": email,
                "title": as_filled(get("title")),
                "company_name": as_filled(get("company_name")),
                "is_host": is_host,
                "type": _USER if internal else _GUEST,
            }
        )
        index += 1
    return attendees


def tracker_matches_of(matches: Any) -> list[dict[str, Any]]:
    """A row's `tracker_matches[]` as Tracker fields (no mentions)."""
    if not isinstance(matches, list):
        return []
    trackers: list[dict[str, Any]] = []
    for m in matches:
        if not isinstance(m, dict):
            continue
        name = as_filled(m.get("name"))
        if name is None:
            continue
        count = m.get("num_matches")
        if count.__class__ is not int or not -_EXACT <= count <= _EXACT:
            count = as_integer(count)  # `as_integer` reads through float: exact up to 2**53
        # A listed match with no count still matched: count it once rather than drop it.
        trackers.append(
            {
                "name": name,
                "type": as_text(m.get("type")),
                "count": 1 if count is None else count,
                "mentions": [],
            }
        )
    return trackers
