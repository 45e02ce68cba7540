"""JSON shapes of the Chorus API, built from the generated facts.

Field names and types follow chorus-openapi.json: `User`, `Team`, `Error` and the
`/v3/engagements` example (the `Recording` document lives in `recording.py`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from parley.sandbox.meetings import Meeting
from parley.sandbox.org import Team, User
from parley.sandbox.people import SELLER_DOMAIN, SELLER_NAME
from parley.sandbox.store import MeetingStore
from parley.sandbox.trackers import tracker_by_key
from parley.sandbox.transcript import build_transcript

__all__ = [
    "JSON",
    "deals_doc",
    "engagement_row",
    "error_doc",
    "iso",
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
            "parent_team": team.parent_id,
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
        # Chorus sends "" for an absent value (the spec's example has `account_id: ""`).
        "opportunity_id": meeting.company.opportunity_id or "",
        "opportunity_name": meeting.company.opportunity_name or "",
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


# -- the truth behind deal insights (admin API, not Chorus) ---------------------------------


def deals_doc(store: MeetingStore) -> JSON:
    """Every CRM opportunity with the facts of its meetings, newest first: what deal signals
    and analytics derive from, so a test can compute what Parley should find."""
    deals: list[JSON] = []
    for opportunity_id, meetings in store.by_opportunity().items():
        company = meetings[0].company
        deals.append(
            {
                "opportunity_id": opportunity_id,
                "name": company.opportunity_name,
                "account_name": company.name,
                "domain": company.domain,
                "stage": meetings[0].stage,
                "traits": sorted(company.traits),
                "meetings": [_meeting_facts(m) for m in meetings],
            }
        )
    return {"anchor": iso(store.anchor), "deals": deals}


def _meeting_facts(meeting: Meeting) -> JSON:
    transcript = build_transcript(meeting)
    talk = {kind: round(transcript.talk_time(kind), 2) for kind in ("rep", "cust", "unknown")}
    trackers = []
    for key, mentions in transcript.mentions:
        spoken = [transcript.utterances[index].speaker.type for index, _ in mentions]
        trackers.append(
            {
                "name": tracker_by_key(key).name,
                "count": len(mentions),
                "guest_mentions": spoken.count("cust"),
            }
        )
    return {
        "engagement_id": meeting.id,
        "start_time": iso(meeting.start),
        "status": meeting.status,
        "private": meeting.private,
        "owner_user_id": meeting.owner.id,
        "customer_emails": [g.email for g in meeting.guests],
        "talk_time": talk,
        "trackers": trackers,
    }
