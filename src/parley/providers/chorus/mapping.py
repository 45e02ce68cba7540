"""Pure Chorus JSON -> unified Meeting (no I/O): the reference field map and its shared rules.

`map_meeting` reads through the `Chorus*` models and is what the lean paths are held to:
`listing.py` (a list row) and `conversation.py` (a conversation and its row). Users and teams
are mapped in `people.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from parley.errors import ProviderResponseError
from parley.providers.chorus.schemas import (
    ChorusCluster,
    ChorusConversation,
    ChorusConversationAttributes,
    ChorusEngagement,
    ChorusParticipant,
    ChorusRecording,
    parse,
    resource_of,
)
from parley.unified import (
    Attendee,
    AttendeeType,
    CrmContext,
    Meeting,
    MeetingStatus,
    MeetingType,
    Owner,
    Speaker,
    SpeakerType,
    Tracker,
    TrackerMention,
    TranscriptEntry,
)

__all__ = [
    "MEETING_TYPES",
    "SPEAKER_TYPES",
    "UNRECORDED_TYPES",
    "RecordingUrl",
    "blank",
    "end_of",
    "engagement_row_of",
    "first",
    "map_meeting",
    "meeting_from_conversation",
    "meeting_from_engagement",
    "speaker_type_of",
    "status_of",
    "utc_moment",
]

Attributes = ChorusConversationAttributes
#: builds Parley's stable recording link for (meeting id, "audio" | "video")
RecordingUrl = Callable[[str, Literal["audio", "video"]], str]

#: lower-cased `engagement_type` -> unified type (anything else is `other`)
MEETING_TYPES = {"meeting": MeetingType.MEETING, "dialer": MeetingType.CALL}
_STATUSES = {
    "done": MeetingStatus.COMPLETED,
    "completed": MeetingStatus.COMPLETED,
    "live": MeetingStatus.IN_PROGRESS,
    "in_progress": MeetingStatus.IN_PROGRESS,
    "processing": MeetingStatus.PROCESSING,
    "scheduled": MeetingStatus.SCHEDULED,
    "no show": MeetingStatus.NO_SHOW,
    "no_show": MeetingStatus.NO_SHOW,
}
#: stripped, lower-cased speaker `type` -> unified type (anything else is `unknown`)
SPEAKER_TYPES = {"rep": SpeakerType.USER, "cust": SpeakerType.GUEST}
# Engagement kinds that never carry a recording, so no playback link is offered for them.
UNRECORDED_TYPES = {"email", "content_viewed", "unrecorded_meeting"}


def blank(value: str | None) -> str | None:
    """The value, or None when it is blank: Chorus sends "" for absent values (`account_id`)."""
    return value if value is not None and value.strip() else None


def first(*values: str | None) -> str | None:
    """The first value that is not blank, else None."""
    return next((v for v in values if blank(v) is not None), None)


def utc_moment(value: float | str | None) -> datetime | None:
    """Epoch seconds (or milliseconds) or ISO 8601 -> aware UTC datetime; garbage -> None."""
    try:
        if isinstance(value, float):
            # conversations:export speaks epoch milliseconds; accept them here too.
            return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
        if isinstance(value, str) and value.strip():
            parsed = datetime.fromisoformat(value.strip())
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def end_of(start: datetime | None, duration: float | None) -> datetime | None:
    """`start + duration`; None when either is unknown or the sum is past any date."""
    if start is None or duration is None:
        return None
    try:
        return start + timedelta(seconds=duration)
    except OverflowError:  # a garbage duration must not cost the caller the whole page
        return None


def status_of(value: str | None) -> MeetingStatus | None:
    """A Chorus status or processing state as the unified status (None when absent)."""
    if value is None:
        return None
    return _STATUSES.get(value.strip().lower(), MeetingStatus.UNKNOWN)


def speaker_type_of(value: str | None) -> SpeakerType:
    """A Chorus speaker type (`rep`, `cust`) as the unified one; anything else is unknown."""
    return SPEAKER_TYPES.get((value or "").strip().lower(), SpeakerType.UNKNOWN)


def engagement_row_of(remote_data: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The engagement row kept in a meeting's `remote_data`, if any."""
    if not remote_data:
        return None
    row = remote_data.get("engagement")
    if isinstance(row, Mapping):
        return row
    return remote_data if "engagement_id" in remote_data else None


def meeting_from_engagement(
    row: Mapping[str, Any], *, recording_url: RecordingUrl | None = None
) -> Meeting:
    """A list-level Meeting from one `/v3/engagements` row (no transcript, speakers, summary)."""
    return map_meeting(row, None, recording_url=recording_url)


def meeting_from_conversation(
    doc: Mapping[str, Any], *, recording_url: RecordingUrl | None = None
) -> Meeting:
    """A full Meeting from a `GET /api/v1/conversations/{id}` document alone."""
    return map_meeting(None, doc, recording_url=recording_url)


def map_meeting(
    engagement: Mapping[str, Any] | None,
    conversation: Mapping[str, Any] | None,
    *,
    recording_url: RecordingUrl | None = None,
) -> Meeting:
    """Merge an engagement row (E) and a conversation document (C) into one Meeting."""
    e = parse(ChorusEngagement, engagement, "engagement") if engagement is not None else None
    c = None
    if conversation is not None:
        c = parse(ChorusConversation, resource_of(conversation), "conversation")
    e = e or ChorusEngagement()
    attrs = c.attributes if c is not None and c.attributes is not None else None
    rec = attrs.recording if attrs is not None else None
    meeting_id = first(e.engagement_id, c.id if c else None)
    if meeting_id is None:
        raise ProviderResponseError("Chorus sent a meeting without an id.")

    start = utc_moment(e.date_time) or utc_moment(rec.start_time if rec else None)
    duration = e.duration if e.duration is not None else (rec.duration if rec else None)
    owner = _owner(e, attrs)
    meeting_info = attrs.meeting if attrs else None
    participants = (attrs.participants if attrs else None) or e.participants or []
    trackers = _trackers(e, rec)
    status = _meeting_status(e, attrs)
    remote: dict[str, Any] = {}
    if engagement is not None:
        remote["engagement"] = dict(engagement)
    if conversation is not None:
        remote["conversation"] = dict(resource_of(conversation))

    return Meeting(
        id=meeting_id,
        title=first(e.subject, *((attrs.name, attrs.generated_subject) if attrs else ())),
        type=MEETING_TYPES.get((e.engagement_type or "").lower(), MeetingType.OTHER),
        status=status,
        start_time=start,
        end_time=end_of(start, duration),
        duration=duration,
        language=first(e.language, attrs.language if attrs else None),
        web_url=blank(e.url),
        meeting_url=blank(meeting_info.meeting_url) if meeting_info else None,
        calendar_event_id=first(meeting_info.calendar_id, meeting_info.ical_uid)
        if meeting_info
        else None,
        owner=owner,
        attendees=[_attendee(p, i, owner, attrs) for i, p in enumerate(participants)],
        audio_recording_url=_recording(meeting_id, "audio", status, e, c, recording_url),
        video_recording_url=_recording(meeting_id, "video", status, e, c, recording_url),
        topics=list(dict.fromkeys(t.name for t in trackers if t.count > 0 or t.mentions)),
        trackers=trackers,
        transcript=_transcript(rec) if rec is not None and rec.utterances is not None else None,
        speakers=_speakers(rec.clusters) if rec is not None and rec.clusters is not None else None,
        summary=blank(attrs.summary) if attrs else None,
        action_items=list(attrs.action_items or []) if attrs else [],
        crm=_crm(e, attrs),
        # Only the conversation says so (`attributes.private`); an engagement row has no field.
        is_private=bool(attrs.private) if attrs is not None else False,
        created_at=utc_moment(attrs.created_at) if attrs else None,
        updated_at=utc_moment(attrs.modified_at) if attrs else None,
        remote_data=remote,
    )


def _meeting_status(e: ChorusEngagement, attrs: Attributes | None) -> MeetingStatus:
    # C.status is the richer enum (live, no show, scheduled); E only says done/processing.
    c_status = status_of(attrs.status) if attrs is not None else None
    if c_status is not None and c_status is not MeetingStatus.UNKNOWN:
        return c_status
    if e.no_show:
        # The spec's own example is processing_state "done" with no_show true: nobody came.
        return MeetingStatus.NO_SHOW
    return status_of(e.processing_state) or c_status or MeetingStatus.UNKNOWN


def _owner(e: ChorusEngagement, attrs: Attributes | None) -> Owner | None:
    c_owner = attrs.owner if attrs is not None else None
    owner = Owner(
        user_id=first(e.user_id, c_owner.user_id if c_owner else None),
        name=first(e.user_name, c_owner.name if c_owner else None),
        email=first(e.user_email, c_owner.email if c_owner else None),
    )
    return owner if owner.user_id or owner.name or owner.email else None


def _attendee(
    p: ChorusParticipant, index: int, owner: Owner | None, attrs: Attributes | None
) -> Attendee:
    owner_person = attrs.owner.person_id if attrs is not None and attrs.owner else None
    email = blank(p.email)
    is_host = owner is not None and (
        (owner.user_id is not None and p.user_id == owner.user_id)
        or (owner.email is not None and email is not None and email.lower() == owner.email.lower())
    )
    is_host = is_host or (owner_person is not None and p.person_id == owner_person)
    internal = blank(p.user_id) is not None or (p.type or "").lower() == "rep"
    return Attendee(
        # Attendees need an id: the person id, else whatever else identifies them.
        id=first(p.person_id, p.user_id, email) or str(index),
        user_id=blank(p.user_id),
        name=blank(p.name),
        email=email,
        title=blank(p.title),
        company_name=blank(p.company_name),
        is_host=is_host,
        type=AttendeeType.USER if internal else AttendeeType.GUEST,
    )


def _recording(
    meeting_id: str,
    kind: Literal["audio", "video"],
    status: MeetingStatus,
    e: ChorusEngagement,
    c: ChorusConversation | None,
    recording_url: RecordingUrl | None,
) -> str | None:
    if recording_url is None or (e.engagement_type or "").lower() in UNRECORDED_TYPES:
        return None
    if status in (MeetingStatus.SCHEDULED, MeetingStatus.NO_SHOW):
        return None  # nothing was recorded (yet)
    attrs = c.attributes if c is not None else None
    if c is not None:
        # The conversation is authoritative: no recording object, or one that says so, is none.
        rec = attrs.recording if attrs is not None else None
        if rec is None or rec.recordable is False or blank(rec.unrecorded_reason):
            return None
        if rec.duration is not None and rec.duration <= 0:
            return None
        if kind == "video" and rec.audio_only:
            return None
    elif e.duration is not None and e.duration <= 0:
        return None
    elif kind == "video" and (e.engagement_type or "").lower() == "dialer":
        return None  # phone calls have no video
    return recording_url(meeting_id, kind)


def _trackers(e: ChorusEngagement, rec: ChorusRecording | None) -> list[Tracker]:
    if rec is not None and rec.trackers is not None:
        trackers = []
        for t in rec.trackers:
            if blank(t.name) is None:
                continue
            mentions = [
                TrackerMention(segment_index=m.utterance, offset=m.offset)
                for m in t.mentions or []
                if m.utterance is not None
            ]
            count = t.count if t.count is not None else len(mentions)
            trackers.append(Tracker(name=t.name or "", type=t.type, count=count, mentions=mentions))
        return trackers
    return [
        # A listed match with no count still matched: count it once rather than drop it.
        Tracker(
            name=m.name or "", type=m.type, count=m.num_matches if m.num_matches is not None else 1
        )
        for m in e.tracker_matches or []
        if blank(m.name) is not None
    ]


def _transcript(rec: ChorusRecording) -> list[TranscriptEntry]:
    clusters = {c.id: c for c in rec.clusters or [] if c.id is not None}
    entries = []
    for position, u in enumerate(rec.utterances or []):
        cluster = clusters.get(u.participant) if u.participant is not None else None
        start, length = u.snippet_time, u.snippet_length
        entries.append(
            TranscriptEntry(
                index=u.index if u.index is not None else position,
                # The cluster id first, so transcript lines join `speakers[].speaker_id`.
                speaker_id=first(cluster.id if cluster else None, u.speaker_id, u.participant),
                speaker_name=first(u.speaker_name, *_cluster_names(cluster)),
                speaker_type=speaker_type_of(u.speaker_type or (cluster.type if cluster else None)),
                text=u.snippet or "",
                start_time=start,
                end_time=start + length if start is not None and length is not None else None,
            )
        )
    return entries


def _cluster_names(cluster: ChorusCluster | None) -> tuple[str | None, str | None]:
    return (cluster.speaker_name, cluster.display_name) if cluster else (None, None)


def _speakers(clusters: Iterable[ChorusCluster]) -> list[Speaker]:
    talk = [(c, sum(r.talk_time or 0.0 for r in c.ranges or [])) for c in clusters]
    total = sum(seconds for _, seconds in talk)
    return [
        Speaker(
            speaker_id=c.id if c.id is not None else str(i),
            name=first(*_cluster_names(c)),
            type=speaker_type_of(c.type),
            user_id=blank(c.user_id),
            talk_time=seconds,
            talk_ratio=seconds / total if total > 0 else 0.0,
        )
        for i, (c, seconds) in enumerate(talk)
    ]


def _crm(e: ChorusEngagement, attrs: Attributes | None) -> CrmContext | None:
    account = attrs.account if attrs is not None else None
    deal = attrs.deal if attrs is not None else None
    fields = {
        "account_id": first(e.account_id, account.id if account else None),
        "account_name": first(e.account_name, account.name if account else None),
        "opportunity_id": first(e.opportunity_id, deal.id if deal else None),
        "opportunity_name": first(e.opportunity_name, deal.name if deal else None),
        "deal_stage": blank(deal.current_stage) if deal else None,
    }
    return CrmContext(**fields) if any(fields.values()) else None
