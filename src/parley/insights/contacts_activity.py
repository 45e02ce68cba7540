"""The call log's moving parts: re-matching stored meetings, activities, unmatched attendees.

`rematch` is the one way matches change. Given meetings, it reads their external attendees
and the records holding their emails and domains, matches them with `CrmMatcher` and
brings `crm_matches` in line (one row per meeting and record, the first matching attendee).
A match whose meeting is completed with a stored transcript is *announced* once: by a
`crm.activity_matched` event when a sync made it (`announce=True`), silently when a record
upsert did (a backfill sends no events). A match on a meeting still processing stays
unannounced until a sync stores the meeting completed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from parley.insights.contacts_match import CrmMatcher, domain_candidates, normalise_email
from parley.storage import StoredMeeting
from parley.storage.repositories.crm import COMPANIES, CONTACTS, CrmRepository
from parley.storage.repositories.crm_matches import (
    AttendeeRow,
    CrmMatchRepository,
    MatchKey,
    MatchRow,
)
from parley.unified.base import UtcDateTime

__all__ = [
    "Activity",
    "ActivityAttendee",
    "ActivityLinks",
    "Unmatched",
    "UnmatchedAttendee",
    "activity_of",
    "company_name_of",
    "grouped_keys",
    "rematch",
    "unmatched_groups",
    "wanted_matches",
]

_KIND = {"email": "contact", "domain": "company"}


class ActivityAttendee(BaseModel):
    """The attendee that made the match."""

    name: str | None
    email: str | None
    is_host: bool


class Activity(BaseModel):
    """One meeting in a contact's or company's call log."""

    meeting_id: str
    title: str | None
    start_time: UtcDateTime | None
    end_time: UtcDateTime | None
    duration: float | None
    status: str
    matched_by: str
    attendee: ActivityAttendee
    owner: dict[str, Any] | None
    summary: str | None
    action_items: list[str]
    topics: list[str]
    web_url: str | None
    audio_recording_url: str | None
    video_recording_url: str | None
    playback_url: str
    transcript_url: str | None


class UnmatchedAttendee(BaseModel):
    """An external attendee matching no contact or company: a contact to create."""

    email: str
    name: str | None
    company_name: str | None
    meetings: int
    last_seen: UtcDateTime | None


@dataclass(frozen=True)
class ActivityLinks:
    """Parley's own links to a stored meeting and its transcript (`source=store`)."""

    public_url: str

    def _base(self) -> str:
        return f"{self.public_url.rstrip('/')}/unified/conversational-intelligence"

    def meeting(self, account_id: str, meeting_id: str) -> str:
        """The stored meeting (the playback link until Parley has a playback page)."""
        query = urlencode({"integrated_account_id": account_id, "source": "store"})
        return f"{self._base()}/meetings/{quote(meeting_id, safe='')}?{query}"

    def transcript(self, account_id: str, meeting_id: str) -> str:
        """The stored transcript."""
        query = urlencode(
            {"meeting_id": meeting_id, "integrated_account_id": account_id, "source": "store"}
        )
        return f"{self._base()}/transcripts?{query}"


def activity_of(
    meeting: StoredMeeting,
    *,
    kind: str,
    position: int,
    email: str,
    has_transcript: bool,
    links: ActivityLinks,
) -> Activity:
    """The activity of a matched meeting, from its stored copy."""
    data = meeting.data
    attendees = data.get("attendees") or []
    attendee = attendees[position] if 0 <= position < len(attendees) else {}
    return Activity.model_validate(
        {
            "meeting_id": meeting.id,
            "title": data.get("title"),
            "start_time": data.get("start_time"),
            "end_time": data.get("end_time"),
            "duration": data.get("duration"),
            "status": meeting.status,
            "matched_by": "email" if kind == CONTACTS.name else "domain",
            "attendee": {
                "name": attendee.get("name"),
                "email": attendee.get("email") or email,
                "is_host": bool(attendee.get("is_host")),
            },
            "owner": data.get("owner"),
            "summary": data.get("summary"),
            "action_items": data.get("action_items") or [],
            "topics": data.get("topics") or [],
            "web_url": data.get("web_url"),
            "audio_recording_url": data.get("audio_recording_url"),
            "video_recording_url": data.get("video_recording_url"),
            "playback_url": links.meeting(meeting.account_id, meeting.id),
            "transcript_url": (
                links.transcript(meeting.account_id, meeting.id) if has_transcript else None
            ),
        }
    )


def _normalised(email: str) -> str | None:
    try:
        return normalise_email(email)
    except ValueError:
        return None


async def _matcher(repo: CrmRepository, account_id: str, rows: Sequence[AttendeeRow]) -> CrmMatcher:
    """A matcher over just the records that can match these attendees (same answers)."""
    emails = {e for e in (_normalised(r.email) for r in rows) if e is not None}
    candidates = {c for e in emails for c in domain_candidates(e.rpartition("@")[2])}
    return CrmMatcher(
        grouped_keys(await repo.owners_of(CONTACTS, account_id, emails)),
        grouped_keys(await repo.owners_of(COMPANIES, account_id, candidates)),
    )


def wanted_matches(rows: Iterable[AttendeeRow], matcher: CrmMatcher) -> dict[MatchKey, MatchRow]:
    """Per meeting and matched record, its first matching attendee."""
    wanted: dict[MatchKey, MatchRow] = {}
    for row in sorted(rows, key=lambda r: (r.meeting_id, r.position)):
        match = matcher.match_email(row.email)
        if match is not None:
            key = (row.meeting_id, _KIND[match.matched_by], match.external_id)
            wanted.setdefault(key, MatchRow(row.position, row.email, False))
    return wanted


async def rematch(
    session: AsyncSession,
    account_id: str,
    meeting_ids: Iterable[str] | None,
    *,
    announce: bool,
    now: datetime,
) -> list[tuple[MatchKey, MatchRow, StoredMeeting, bool]]:
    """Bring these meetings' matches (None: every meeting's) in line with the records.

    Returns the matches to announce by event now (only with `announce`): the key, the
    match, its meeting and whether it has a transcript.
    """
    ids = None if meeting_ids is None else list(dict.fromkeys(meeting_ids))
    if ids is not None and not ids:
        return []
    repo = CrmMatchRepository(session)
    rows = await repo.external_attendees(account_id, ids)
    wanted = wanted_matches(rows, await _matcher(CrmRepository(session), account_id, rows))
    existing = await repo.matches_of_meetings(account_id, ids)
    for key, row in wanted.items():
        if (old := existing.get(key)) is not None:
            wanted[key] = replace(row, announced=old.announced)
    pending = {key[0] for key, row in wanted.items() if not row.announced}
    ready: dict[str, tuple[StoredMeeting, bool]] = {}
    if pending:
        transcripts = await repo.with_transcript(account_id, pending)
        for meeting in await repo.meetings(account_id, pending):
            if meeting.status == "completed" and meeting.has_details and meeting.id in transcripts:
                ready[meeting.id] = (meeting, True)
    announced: list[tuple[MatchKey, MatchRow, StoredMeeting, bool]] = []
    for key, row in wanted.items():
        if not row.announced and key[0] in ready:
            wanted[key] = replace(row, announced=True)
            if announce:
                announced.append((key, wanted[key], *ready[key[0]]))
    await repo.write_matches(
        account_id,
        added={k: r for k, r in wanted.items() if k not in existing},
        changed={k: r for k, r in wanted.items() if k in existing and existing[k] != r},
        removed=[k for k in existing if k not in wanted],
        now=now,
    )
    return announced


@dataclass
class Unmatched:
    """An unmatched attendee's meetings, and where it was seen last."""

    email: str
    meetings: set[str]
    last_seen: datetime | None
    latest: AttendeeRow

    def order(self) -> tuple[int, str]:
        """Most meetings first, then by email."""
        return (-len(self.meetings), self.email)


def _later(a: datetime | None, b: datetime | None) -> bool:
    return a is not None and (b is None or a > b)


def unmatched_groups(rows: Iterable[AttendeeRow], matcher: CrmMatcher) -> list[Unmatched]:
    """External attendees matching nothing, one per normalised email, most meetings first."""
    groups: dict[str, Unmatched] = {}
    for row in rows:
        email = _normalised(row.email)
        if email is None or matcher.match_email(email) is not None:
            continue
        group = groups.get(email)
        if group is None:
            groups[email] = Unmatched(email, {row.meeting_id}, row.start_time, row)
            continue
        group.meetings.add(row.meeting_id)
        if _later(row.start_time, group.last_seen):
            group.last_seen, group.latest = row.start_time, row
    return sorted(groups.values(), key=Unmatched.order)


def company_name_of(meeting: StoredMeeting | None, position: int) -> str | None:
    """The attendee's company name as the provider gave it."""
    attendees = (meeting.data.get("attendees") if meeting else None) or []
    if 0 <= position < len(attendees):
        name = attendees[position].get("company_name")
        return str(name) if name else None
    return None


def grouped_keys(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """`(external id, key)` pairs as `(external id, [keys])`, as `CrmMatcher` takes them."""
    grouped: dict[str, list[str]] = {}
    for external_id, key in pairs:
        grouped.setdefault(external_id, []).append(key)
    return list(grouped.items())
