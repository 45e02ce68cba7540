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
from parley.unified.base import to_milliseconds

__all__ = ["attendees_of", "meeting_fields", "meeting_from_row", "tracker_matches_of"]

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
    fields = meeting_fields(row, recording_url)
    return _validate({"remote_data": {"engagement": dict(row)}, **fields})


def _filled(value: Any) -> str | None:
    # `as_filled`, with the usual case (non-blank text) answered without a call.
    if value.__class__ is str and value and not value.isspace():
        return value
    return as_filled(value)


def meeting_fields(
    row: Mapping[str, Any], recording_url: RecordingUrl | None = None
) -> dict[str, Any]:
    """Every Meeting field but `remote_data`, in the model's order, from one engagement row.

    The values are what `Meeting` validates them into (enum members, aware datetimes), so the
    model path validates this dict and the JSON path (`listing_json.py`) encodes it as it is.
    """
    if not isinstance(row, Mapping):
        raise ProviderResponseError("Chorus sent engagement that is not a JSON object.")
    get = row.get
    meeting_id = _filled(get("engagement_id"))
    if meeting_id is None:
        raise ProviderResponseError("Chorus sent a meeting without an id.")
    kind = _lower(get("engagement_type"))
    duration = as_number(get("duration"))
    start = utc_moment(as_timestamp(get("date_time")))
    if as_flag(get("no_show")):
        status = MeetingStatus.NO_SHOW  # the spec's own example: "done" and nobody came
    else:
        status = status_of(as_text(get("processing_state"))) or MeetingStatus.UNKNOWN
    owner_id, owner_email = _filled(get("user_id")), _filled(get("user_email"))
    owner_name = _filled(get("user_name"))
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
    crm = None
    account_id, account_name = _filled(get("account_id")), _filled(get("account_name"))
    deal_id, deal_name = _filled(get("opportunity_id")), _filled(get("opportunity_name"))
    if account_id or account_name or deal_id or deal_name:
        crm = {
            "account_id": account_id,
            "account_name": account_name,
            "opportunity_id": deal_id,
            "opportunity_name": deal_name,
            "deal_stage": None,
        }
    return {
        "id": meeting_id,
        "title": _filled(get("subject")),
        "type": MEETING_TYPES.get(kind, MeetingType.OTHER),
        "status": status,
        "start_time": start,
        "end_time": end_of(start, duration),
        # Rounded as `Meeting` rounds it: the JSON path encodes this dict without validating.
        "duration": None if duration is None else to_milliseconds(duration),
        "language": _filled(get("language")),
        "web_url": _filled(get("url")),
        "meeting_url": None,
        "calendar_event_id": None,
        "owner": owner,
        "attendees": attendees_of(get("participants"), owner_id, owner_email),
        "audio_recording_url": audio,
        "video_recording_url": video,
        "topics": list(dict.fromkeys(t["name"] for t in trackers if t["count"] > 0)),
        "trackers": trackers,
        "transcript": None,
        "speakers": None,
        "summary": None,
        "action_items": [],
        "crm": crm,
        # `private` is a conversation attribute: an engagement row does not carry it.
        "is_private": False,
        "created_at": None,
        "updated_at": None,
    }


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
        user_id, email = _filled(get("user_id")), _filled(get("email"))
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
                "name": _filled(get("name")),
                "email": email,
                "title": _filled(get("title")),
                "company_name": _filled(get("company_name")),
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
        name = _filled(m.get("name"))
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
