"""The `Recording` document of `GET /api/v1/conversations/{id}` (spec: `RecordingDoc`)."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta

from parley.sandbox.meetings import Meeting
from parley.sandbox.org import DEAL_STAGES, Org
from parley.sandbox.payloads import JSON, iso
from parley.sandbox.people import SELLER_DOMAIN, SELLER_NAME
from parley.sandbox.trackers import tracker_by_key
from parley.sandbox.transcript import Transcript

__all__ = ["recording_attributes"]

_DEAL_FIELDS = (
    "id",
    "name",
    "current_stage",
    "initial_stage",
    "initial_amount",
    "size",
    "close_date",
    "on_stage_since",
    "engaged",
    "stage_advancement",
    "follow_up",
    "size_increased_amount",
)


def recording_attributes(
    meeting: Meeting, transcript: Transcript, org: Org, *, meeting_metadata: bool
) -> JSON:
    """Every attribute of a `Recording` (fields projection happens afterwards)."""
    company = meeting.company
    owner = meeting.owner
    scheduled_minutes = int(meeting.context_map()["minutes"])
    done = meeting.status == "done"
    return {
        "_created_at": iso(meeting.created_at),
        "_modified_at": iso(meeting.modified_at),
        "account": {
            "id": company.account_id,
            "name": company.name,
            "ext_id": company.ext_id,
            "type": "Customer" if meeting.stage == "Closed Won" else "Prospect",
            "zi_company_id": company.zi_company_id,
        },
        "action_items": None if meeting.action_items is None else list(meeting.action_items),
        "company_name": company.name,
        "custom_questions": [],
        "custom_summaries": [],
        "deal": _deal(meeting),
        "disposition": _disposition(meeting),
        "generated_subject": f"{company.name}: {meeting.stage.lower()} call" if done else None,
        "language": meeting.language,
        "meeting": _meeting_ref(meeting, meeting_metadata=meeting_metadata),
        "meta": None,
        "metrics": _metrics(transcript) if transcript.utterances else None,
        "name": meeting.subject,
        "owner": {
            "email": owner.email,
            "name": owner.name,
            "person_id": owner.person_id,
            "user_id": owner.id,
        },
        "participants": _participants(meeting),
        "private": meeting.private,
        "recap": None if meeting.summary is None else meeting.summary.split(". "),
        "recording": {
            "audio_only": meeting.audio_only,
            "autojoin": meeting.kind == "meeting",
            "autojoin_reason": "calendar" if meeting.kind == "meeting" else "",
            "clusters": _clusters(transcript),
            "duration": float(meeting.duration) if meeting.has_media else 0.0,
            "end_reason": "host_ended" if meeting.has_media else "",
            "has_meeting_summary": meeting.summary is not None,
            "recordable": True,
            "schedule_end_time": iso(meeting.start + scheduled_minutes * 60),
            "schedule_start_time": iso(meeting.start),
            "start_time": iso(meeting.start),
            "thumbnails": _thumbnails(meeting, transcript),
            "trackers": _trackers(transcript, org),
            "unrecorded_reason": {"no show": "no_show", "scheduled": "not_started"}.get(
                meeting.status, ""
            ),
            "utterances": _utterances(meeting, transcript),
        },
        "source": meeting.source,
        "status": meeting.status,
        "summary": meeting.summary,
        "summary_error": None,
        "tracker_match": None,
        "user_company_name": SELLER_NAME,
    }


def _deal(meeting: Meeting) -> JSON:
    company = meeting.company
    if company.opportunity_id is None:  # a prospect without a CRM opportunity
        return dict.fromkeys(_DEAL_FIELDS)
    stage_days = company.cycle_days / len(DEAL_STAGES)
    stage_index = DEAL_STAGES.index(meeting.stage)
    return {
        "id": company.opportunity_id,
        "name": company.opportunity_name,
        "current_stage": meeting.stage,
        "initial_stage": DEAL_STAGES[0],
        "initial_amount": float(company.amount),
        "size": company.amount,
        "close_date": iso(company.opened_at + timedelta(days=company.cycle_days)),
        "on_stage_since": iso(company.opened_at + timedelta(days=stage_days * stage_index)),
        "engaged": None,
        "stage_advancement": None,
        "follow_up": None,
        "size_increased_amount": None,
    }


def _disposition(meeting: Meeting) -> JSON | None:
    if meeting.disposition is None:
        return None
    connected, gatekeeper, tree, voicemail = meeting.disposition
    return {
        "connected": connected,
        "gatekeeper": gatekeeper,
        "tree": tree,
        "voicemail": voicemail,
        "Task___CallDisposition": "Left Voicemail" if voicemail else "Connected",
    }


def _meeting_ref(meeting: Meeting, *, meeting_metadata: bool) -> JSON | None:
    if meeting.kind != "meeting":
        return None
    h = meeting.id.lower()
    return {
        "id": f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}",
        "ical_uid": f"{h}@{SELLER_DOMAIN}",
        "calendar_id": meeting.owner.email if meeting_metadata else None,
        "meeting_url": f"https://brightwave.zoom.example/j/{int(h[:10], 16)}"
        if meeting_metadata
        else None,
    }


def _participants(meeting: Meeting) -> list[JSON]:
    rows: list[JSON] = [
        {
            "name": u.name,
            "person_id": u.person_id,
            "type": "rep",
            "user_id": u.id,
            "company_name": SELLER_NAME,
            "email": u.email,
            "title": u.title,
            "is_my_team": True,
            "picture": None,
            "zi_person_id": None,
        }
        for u in meeting.reps
    ]
    rows.extend(
        {
            "name": g.name,
            "person_id": g.person_id,
            "type": "cust",
            "user_id": None,
            "company_name": g.company,
            "email": g.email,
            "title": g.title,
            "is_my_team": False,
            "picture": None,
            "zi_person_id": g.person_id + 900_000_000,
        }
        for g in meeting.guests
    )
    return rows


def _clusters(transcript: Transcript) -> list[JSON]:
    return [
        {
            "id": s.cluster_id,
            "match_method": s.match_method,
            "participant": s.person_id,
            "ranges": [
                {"start": r.start, "length": r.length, "talk_time": r.talk_time}
                for r in transcript.ranges.get(s.cluster_id, ())
            ],
            "speaker_name": s.name,
            "type": s.type,
            "user_id": s.user_id,
            "company_name": s.company,
            "display_name": s.name,
            "title": s.title,
        }
        for s in transcript.speakers
    ]


def _utterances(meeting: Meeting, transcript: Transcript) -> list[JSON]:
    return [
        {
            "date_time": iso(meeting.start + u.start),
            "engaging": u.engaging,
            "expired": False,
            "id": f"{meeting.id}-{u.index:04d}",
            "index": u.index,
            "participant": u.speaker.cluster_id,
            "snippet": u.text,
            "snippet_length": u.length,
            "snippet_time": u.start,
            "snippet_word_count": u.word_count,
            "speaker_id": u.speaker.person_id,
            "speaker_name": u.speaker.name,
            "speaker_type": u.speaker.type,
        }
        for u in transcript.utterances
    ]


def _trackers(transcript: Transcript, org: Org) -> list[JSON]:
    trackers: list[JSON] = []
    for key, mentions in transcript.mentions:
        spec = tracker_by_key(key)
        custom = spec.type == "custom"
        trackers.append(
            {
                "id": spec.id,
                "name": spec.name,
                "type": spec.type,
                "source": spec.source,
                "owner_id": org.admin.id,
                "team_ids": [t.id for t in org.teams] if custom else None,
                "count": len(mentions),
                "mentions": [{"utterance": i, "offset": off} for i, off in mentions],
            }
        )
    return trackers


def _thumbnails(meeting: Meeting, transcript: Transcript) -> list[JSON]:
    if meeting.audio_only or not transcript.utterances:
        return []
    rng = random.Random(f"{meeting.id}:thumbnails")
    thumbs: list[JSON] = [
        {"id": 1, "type": "thumbnail", "offset_start": 0, "offset_end": 5, "duration": 5}
    ]
    cursor = int(meeting.duration * 0.45)
    for k in range(rng.randint(2, 5)):
        length = rng.randint(20, 180)
        if cursor + length >= meeting.duration:
            break
        thumbs.append(
            {
                "id": k + 2,
                "type": "keyframe",
                "keyframe_type": rng.choice(("deck", "demo")),
                "offset_start": cursor,
                "offset_end": cursor + length,
                "duration": length,
            }
        )
        cursor += length + rng.randint(30, 240)
    return thumbs


def _metrics(transcript: Transcript) -> list[JSON]:
    utterances = transcript.utterances
    total = sum(u.length for u in utterances) or 1.0
    rep = transcript.talk_time("rep")
    monologue = max(
        (
            r.length
            for s in transcript.speakers
            if s.type == "rep"
            for r in transcript.ranges[s.cluster_id]
        ),
        default=0.0,
    )
    switches = sum(1 for a, b in itertools.pairwise(utterances) if a.speaker != b.speaker)
    minutes = max((utterances[-1].start + utterances[-1].length) / 60, 1 / 60)
    return [
        {"name": "talk_ratio", "value": round(100 * rep / total, 1)},
        {"name": "longest_monologue", "value": round(monologue, 1)},
        {"name": "interactivity", "value": round(switches / minutes, 2)},
        {"name": "engaging_questions", "value": sum(1 for u in utterances if u.engaging)},
    ]
