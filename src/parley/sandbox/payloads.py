"""JSON shapes of the Chorus API, built from the generated facts.

Field names and types follow chorus-openapi.json: `Recording`, `User`, `Team`, `Error` and
the `/v3/engagements` example.
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from parley.sandbox.meetings import Meeting
from parley.sandbox.org import DEAL_STAGES, Org, Team, User
from parley.sandbox.people import SELLER_DOMAIN, SELLER_NAME
from parley.sandbox.trackers import tracker_by_key
from parley.sandbox.transcript import Transcript

__all__ = [
    "JSON",
    "engagement_row",
    "error_doc",
    "iso",
    "recording_attributes",
    "team_resource",
    "user_resource",
    "user_v3",
]

JSON = dict[str, Any]


def iso(moment: int | float | datetime) -> str:
    """ISO 8601 UTC with a `Z`, second precision, as in the spec's examples."""
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def error_doc(
    status: int,
    title: str,
    detail: str,
    *,
    code: str | None = None,
    parameter: str | None = None,
) -> JSON:
    """A JSON:API error document (`Error` schema)."""
    error: JSON = {"status": str(status), "title": title, "detail": detail}
    if code is not None:
        error["code"] = code
    if parameter is not None:
        error["source"] = {"parameter": parameter}
    return {"errors": [error]}


# -- users and teams -----------------------------------------------------------------------


def user_v3(user: User) -> JSON:
    """A user as `/v3/users` lists it (flat JSON, integer ids)."""
    return {
        "id": user.id,
        "person_id": user.person_id,
        "name": user.name,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "type": user.type,
        "title": user.title,
        "team_ids": list(user.team_ids),
        "manager_id": user.manager_id,
        "license_type": user.license_type,
        "invalidated": user.invalidated,
        "created_on": iso(user.created_on),
    }


def user_resource(user: User) -> JSON:
    """A JSON:API `user` resource with every attribute the `User` schema requires."""
    last_login = user.deactivated_at or (user.created_on + timedelta(days=400))
    return {
        "type": "user",
        "id": str(user.id),
        "attributes": {
            "allowed_access": 1,
            "autojoin": 0 if user.role == "admin" else 1,
            "biometric_policy": False,
            "created_on": iso(user.created_on),
            "default_meeting_link": f"https://brightwave.zoom.example/j/{user.person_id}",
            "domain": SELLER_DOMAIN,
            "email": user.email,
            "fingerprint_state": "automatically_created",
            "first_name": user.first_name,
            "internal": True,
            "invalidated": user.invalidated,
            "is_email_linked": True,
            "language": "en",
            "last_login_at": iso(last_login),
            "last_name": user.last_name,
            "license_type": user.license_type,
            "linkedin": "",
            "location": user.location,
            # The schema makes manager_id a required integer; 0 stands for "none".
            "manager_id": user.manager_id or 0,
            "meta": {"sf_record_id": None},
            "name": user.name,
            "onboarding_status": "ONBOARDED",
            "permission_role_id": {"admin": 1, "manager": 2}.get(user.role, 3),
            "person_id": user.person_id,
            "picture": "",
            "primary_team": user.team_ids[0] if user.team_ids else 0,
            "privacy_policy": True,
            "provisioning_type": "manual",
            "role": user.role,
            "seniority": {"admin": "director", "manager": "manager"}.get(user.role, "individual"),
            "sub_role": "",
            "sync_calendar": 1,
            "team_ids": list(user.team_ids),
            "terms_and_conditions": True,
            "terms_conditions": 1,
            "tier": "enterprise",
            "title": user.title,
            "type": user.type,
            "utc_offset": user.utc_offset,
        },
    }


def team_resource(team: Team) -> JSON:
    """A JSON:API `team` resource."""
    return {
        "type": "team",
        "id": str(team.id),
        "attributes": {
            "name": team.name,
            "description": f"{team.name} sales team",
            "language": "en",
            "manager": team.manager_id,
            "users": list(team.member_ids),
            "default": team.default,
            "include_descendant_teams": False,
            "parent_team": None,
        },
    }


# -- engagements ---------------------------------------------------------------------------


def _participants_v3(meeting: Meeting) -> list[JSON]:
    rows: list[JSON] = [
        {
            "company_name": SELLER_NAME,
            "email": u.email,
            "name": u.name,
            "person_id": u.person_id,
            "title": u.title,
            "type": "rep",
            "user_id": u.id,
        }
        for u in meeting.reps
    ]
    rows.extend(
        {
            "company_name": g.company,
            "email": g.email,
            "name": g.name,
            "person_id": g.person_id,
            "title": g.title,
            "type": "cust",
        }
        for g in meeting.guests
    )
    return rows


def engagement_row(meeting: Meeting, base_url: str, *, with_trackers: bool) -> JSON:
    """One `/v3/engagements` row, shaped like the spec's example."""
    disposition = meeting.disposition or (False, False, False, False)
    row: JSON = {
        "account_id": meeting.company.ext_id,
        "account_name": meeting.company.name,
        "compliance": meeting.compliance,
        "date_time": meeting.start,
        "disposition_connected": disposition[0],
        "disposition_gatekeeper": disposition[1],
        "disposition_tree": disposition[2],
        "disposition_voicemail": disposition[3],
        "duration": float(meeting.duration),
        "engagement_id": meeting.id,
        "engagement_type": meeting.kind,
        "initiator": meeting.initiator,
        "language": meeting.language,
        "no_show": meeting.status == "no show",
        "num_cust_questions": meeting.num_cust_questions,
        "num_engaging_questions": meeting.num_engaging_questions,
        "opportunity_id": meeting.company.opportunity_id,
        "opportunity_name": meeting.company.opportunity_name,
        "participants": _participants_v3(meeting),
        "processing_state": _processing_state(meeting.status),
        "subject": meeting.subject,
        "url": f"{base_url}/meeting/{meeting.id}",
        "user_email": meeting.owner.email,
        "user_id": meeting.owner.id,
        "user_name": meeting.owner.name,
    }
    if with_trackers:
        row["tracker_matches"] = [
            {"name": tracker_by_key(key).name, "num_matches": count, "type": "chorus"}
            for key, count in meeting.tracker_plan
        ]
    return row


def _processing_state(status: str) -> str:
    return {"no show": "done"}.get(status, status)


# -- the recording document ------------------------------------------------------------------


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
        "private": False,
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
