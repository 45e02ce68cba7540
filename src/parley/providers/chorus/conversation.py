"""The detail path: a conversation document (+ its engagement row) -> a full Meeting, lean.

`map_meeting(row, doc)` in `mapping.py` is the reference field map. A conversation carries
a hundred-odd utterances; validating each into a `ChorusUtterance` and then building a
`TranscriptEntry` from it through Python helpers made mapping conversations the largest CPU
cost of a sync. This module reads the decoded document once with the same coercions
(`coercion.as_*`) and rules, resolves each utterance's speaker in a table built once per
conversation (cluster id -> id, name, type) and lets pydantic-core build the whole Meeting
tree, transcript included, in one validation.
`tests/unit/providers/chorus/test_chorus_conversation.py` holds the two equal on the spec
example and on randomised odd documents.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Literal

from parley.errors import ProviderResponseError
from parley.providers.chorus.coercion import (
    as_filled,
    as_flag,
    as_integer,
    as_number,
    as_text,
    as_texts,
    as_timestamp,
)
from parley.providers.chorus.listing import attendees_of, tracker_matches_of
from parley.providers.chorus.mapping import (
    MEETING_TYPES,
    SPEAKER_TYPES,
    UNRECORDED_TYPES,
    RecordingUrl,
    end_of,
    speaker_type_of,
    status_of,
    utc_moment,
)
from parley.providers.chorus.schemas import resource_of
from parley.unified import Meeting, MeetingStatus, MeetingType

__all__ = ["meeting_from_doc"]

_validate = Meeting.model_validate
_NONE: Mapping[str, Any] = MappingProxyType({})
_NOT_RECORDED = (MeetingStatus.SCHEDULED, MeetingStatus.NO_SHOW)
_EXACT = 2**53  # ints up to this size are what `as_integer` gives for them
#: what a speaker cluster lends the utterances of its id: (speaker id, name, raw type)
Voice = tuple[str | None, str | None, str | None]


def _object(value: Any) -> Mapping[str, Any]:
    """A JSON object, else an empty one (an absent part reads as all-null, as in the models)."""
    return value if isinstance(value, dict) else _NONE


def meeting_from_doc(
    row: Mapping[str, Any] | None,
    doc: Mapping[str, Any],
    recording_url: RecordingUrl | None = None,
) -> Meeting:
    """A full Meeting from a conversation document and its engagement row, as `map_meeting`."""
    if row is not None and not isinstance(row, Mapping):
        raise ProviderResponseError("Chorus sent engagement that is not a JSON object.")
    if not isinstance(doc, Mapping):
        raise ProviderResponseError("Chorus sent conversation that is not a JSON object.")
    e = (_NONE if row is None else row).get
    resource = resource_of(doc)
    attributes = _object(resource.get("attributes"))
    a = attributes.get
    rec = a("recording")
    rec = rec if isinstance(rec, dict) else None  # None and {} differ for recording links
    r = (_NONE if rec is None else rec).get
    meeting_id = as_filled(e("engagement_id")) or as_filled(resource.get("id"))
    if meeting_id is None:
        raise ProviderResponseError("Chorus sent a meeting without an id.")
    kind = (as_text(e("engagement_type")) or "").lower()
    start = utc_moment(as_timestamp(e("date_time"))) or utc_moment(as_timestamp(r("start_time")))
    duration = as_number(e("duration"))
    if duration is None:
        duration = as_number(r("duration"))
    status = _status(e, a)
    o = _object(a("owner")).get
    owner_id = as_filled(e("user_id")) or as_filled(o("user_id"))
    owner_name = as_filled(e("user_name")) or as_filled(o("name"))
    owner_email = as_filled(e("user_email")) or as_filled(o("email"))
    owner = None
    if owner_id or owner_name or owner_email:
        owner = {"user_id": owner_id, "name": owner_name, "email": owner_email}
    participants = a("participants")
    if not (isinstance(participants, list) and any(isinstance(p, dict) for p in participants)):
        participants = e("participants")  # collections prefer C, unless C has none
    found = r("trackers")  # C's trackers, even none, else E's matches
    trackers = (
        _trackers(found) if isinstance(found, list) else tracker_matches_of(e("tracker_matches"))
    )
    clusters = r("clusters")
    speakers, voices = _speakers(clusters) if isinstance(clusters, list) else (None, {})
    utterances = r("utterances")
    info = _object(a("meeting")).get
    title = as_filled(e("subject")) or as_filled(a("name")) or as_filled(a("generated_subject"))
    remote: dict[str, Any] = {} if row is None else {"engagement": dict(row)}
    remote["conversation"] = dict(resource)
    return _validate(
        {
            "id": meeting_id,
            "title": title,
            "type": MEETING_TYPES.get(kind, MeetingType.OTHER),
            "status": status,
            "start_time": start,
            "end_time": end_of(start, duration),
            "duration": duration,
            "language": as_filled(e("language")) or as_filled(a("language")),
            "web_url": as_filled(e("url")),
            "meeting_url": as_filled(info("meeting_url")),
            "calendar_event_id": as_filled(info("calendar_id")) or as_filled(info("ical_uid")),
            "owner": owner,
            # The owner's person id is compared as sent (blank or not), as the models do.
            "attendees": attendees_of(participants, owner_id, owner_email, as_text(o("person_id"))),
            "audio_recording_url": _link(meeting_id, "audio", kind, status, rec, recording_url),
            "video_recording_url": _link(meeting_id, "video", kind, status, rec, recording_url),
            "topics": list(
                dict.fromkeys(t["name"] for t in trackers if t["count"] > 0 or t["mentions"])
            ),
            "trackers": trackers,
            "transcript": _transcript(utterances, voices) if isinstance(utterances, list) else None,
            "speakers": speakers,
            "summary": as_filled(a("summary")),
            "action_items": as_texts(a("action_items")) or [],
            "crm": _crm(e, a),
            "is_private": as_flag(a("private")) is True,
            "created_at": utc_moment(
                as_timestamp(_aliased(attributes, "_created_at", "created_at"))
            ),
            "updated_at": utc_moment(
                as_timestamp(_aliased(attributes, "_modified_at", "modified_at"))
            ),
            "remote_data": remote,
        }
    )


def _aliased(attributes: Mapping[str, Any], alias: str, name: str) -> Any:
    # The models take a field by its alias when the key is there (even null), else by name.
    return attributes[alias] if alias in attributes else attributes.get(name)


def _status(e: Callable[[str], Any], a: Callable[[str], Any]) -> MeetingStatus:
    # C.status is the richer enum (live, no show, scheduled); E only says done/processing.
    c_status = status_of(as_text(a("status")))
    if c_status is not None and c_status is not MeetingStatus.UNKNOWN:
        return c_status
    if as_flag(e("no_show")):
        return MeetingStatus.NO_SHOW  # the spec's own example: "done" and nobody came
    return status_of(as_text(e("processing_state"))) or c_status or MeetingStatus.UNKNOWN


def _crm(e: Callable[[str], Any], a: Callable[[str], Any]) -> dict[str, Any] | None:
    account, deal = _object(a("account")).get, _object(a("deal")).get
    crm = {
        "account_id": as_filled(e("account_id")) or as_filled(account("id")),
        "account_name": as_filled(e("account_name")) or as_filled(account("name")),
        "opportunity_id": as_filled(e("opportunity_id")) or as_filled(deal("id")),
        "opportunity_name": as_filled(e("opportunity_name")) or as_filled(deal("name")),
        "deal_stage": as_filled(deal("current_stage")),
    }
    return crm if any(crm.values()) else None


def _link(
    meeting_id: str,
    kind: Literal["audio", "video"],
    engagement_type: str,
    status: MeetingStatus,
    rec: Mapping[str, Any] | None,
    recording_url: RecordingUrl | None,
) -> str | None:
    # The conversation is authoritative: no recording object, or one that says so, is none.
    if recording_url is None or engagement_type in UNRECORDED_TYPES or status in _NOT_RECORDED:
        return None
    if rec is None or as_flag(rec.get("recordable")) is False:
        return None
    if as_filled(rec.get("unrecorded_reason")):
        return None
    duration = as_number(rec.get("duration"))
    if duration is not None and duration <= 0:
        return None
    if kind == "video" and as_flag(rec.get("audio_only")):
        return None
    return recording_url(meeting_id, kind)


def _trackers(raw: list[Any]) -> list[dict[str, Any]]:
    trackers: list[dict[str, Any]] = []
    for t in raw:
        if not isinstance(t, dict):
            continue  # one odd element must not sink its siblings
        name = as_filled(t.get("name"))
        if name is None:
            continue
        mentions = []
        found = t.get("mentions")
        for m in found if isinstance(found, list) else ():
            if isinstance(m, dict) and (at := as_integer(m.get("utterance"))) is not None:
                mentions.append({"segment_index": at, "offset": as_number(m.get("offset"))})
        count = as_integer(t.get("count"))
        trackers.append(
            {
                "name": name,
                "type": as_text(t.get("type")),
                "count": len(mentions) if count is None else count,
                "mentions": mentions,
            }
        )
    return trackers


def _speakers(clusters: list[Any]) -> tuple[list[dict[str, Any]], dict[str, Voice]]:
    """The speakers of `clusters[]` and, by cluster id, what each lends its utterances."""
    speakers: list[dict[str, Any]] = []
    voices: dict[str, Voice] = {}
    for c in clusters:
        if not isinstance(c, dict):
            continue
        get = c.get
        cluster_id = as_text(get("id"))
        name = as_filled(get("speaker_name")) or as_filled(get("display_name"))
        kind = as_text(get("type"))
        if cluster_id is not None:  # a repeated id: the last cluster wins
            voices[cluster_id] = (
                cluster_id if cluster_id and not cluster_id.isspace() else None,
                name,
                kind,
            )
        ranges = get("ranges")
        talk = sum(
            as_number(r.get("talk_time")) or 0.0
            for r in (ranges if isinstance(ranges, list) else ())
            if isinstance(r, dict)
        )
        speakers.append(
            {
                "speaker_id": str(len(speakers)) if cluster_id is None else cluster_id,
                "name": name,
                "type": speaker_type_of(kind),
                "user_id": as_filled(get("user_id")),
                "talk_time": talk,
            }
        )
    total = sum(s["talk_time"] for s in speakers)
    for s in speakers:
        s["talk_ratio"] = s["talk_time"] / total if total > 0 else 0.0
    return speakers, voices


def _transcript(utterances: list[Any], voices: dict[str, Voice]) -> list[dict[str, Any]]:
    """`utterances[]` as TranscriptEntry fields: one pass, plain dicts, no model per line."""
    # The hot loop of a sync. As the `_Coerced` field types do in pydantic-core, the usual
    # exact type is taken as it is and anything else goes through its `as_*` rule: the same
    # value, without a Python call per field of every line.
    entries: list[dict[str, Any]] = []
    append, known_types, voice_of = entries.append, SPEAKER_TYPES.get, voices.get
    for u in utterances:
        if not isinstance(u, dict):
            continue
        get = u.get
        index = get("index")
        if index.__class__ is not int or not -_EXACT <= index <= _EXACT:
            index = as_integer(index)
        participant: Any = get("participant")  # then its text, or None (never a key)
        if participant.__class__ is not str:
            participant = as_text(participant)
        name = get("speaker_name")
        if name.__class__ is not str or not name or name.isspace():
            name = as_filled(name)
        kind: Any = get("speaker_type")
        if kind.__class__ is not str:
            kind = as_text(kind)
        voice = voice_of(participant)
        # The cluster id first, so transcript lines join `speakers[].speaker_id`.
        speaker_id = voice[0] if voice is not None else None
        if speaker_id is None:
            speaker_id = as_filled(get("speaker_id")) or (
                participant if participant and not participant.isspace() else None
            )
        if voice is not None:
            name = name or voice[1]
            kind = kind or voice[2]
        # `x - x` is 0.0 for a finite float only (nan for inf and nan).
        start = get("snippet_time")
        if start.__class__ is not float or start - start:
            start = as_number(start)
        length = get("snippet_length")
        if length.__class__ is not float or length - length:
            length = as_number(length)
        text = get("snippet")
        append(
            {
                "index": len(entries) if index is None else index,
                "speaker_id": speaker_id,
                "speaker_name": name,
                "speaker_type": known_types(kind) or speaker_type_of(kind),
                "text": text if text.__class__ is str else as_text(text) or "",
                "start_time": start,
                "end_time": start + length if start is not None and length is not None else None,
            }
        )
    return entries
