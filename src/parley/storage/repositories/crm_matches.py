"""Matches of CRM records to stored meetings: attendees, matches and activities.

Reads the synced copy (`meetings`, `attendees`, `transcript_entries`) and keeps
`crm_matches`. Activities page newest meeting first on the stored-meetings keyset
(start_time DESC NULLS LAST, id ASC), asking for `limit + 1` rows so the caller knows
whether more follow.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import ColumnElement, Table, and_, bindparam, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from parley.storage.repositories.crm import RecordKind, chunks
from parley.storage.repositories.store_reads import MeetingKey, like_pattern
from parley.storage.tables_crm import CrmMatch
from parley.storage.tables_store import StoredAttendee, StoredMeeting, StoredTranscriptEntry

__all__ = ["AttendeeRow", "CrmMatchRepository", "MatchKey", "MatchRow"]

#: A single upsert looks for affected meetings with one LIKE per domain up to this many.
_MAX_LIKES = 40
_MATCHES = cast(Table, CrmMatch.__table__)


@dataclass(frozen=True, slots=True)
class AttendeeRow:
    """An external attendee with an email, as stored (email lower-cased by the writer)."""

    meeting_id: str
    position: int
    email: str
    name: str | None
    start_time: datetime | None


#: (meeting id, kind, external id)
MatchKey = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class MatchRow:
    """What a match holds besides its key."""

    position: int
    email: str
    announced: bool


def _after(key: MeetingKey) -> ColumnElement[bool]:
    m = StoredMeeting
    if key.start_time is None:
        return and_(m.start_time.is_(None), m.id > key.id)
    return or_(
        m.start_time < key.start_time,
        and_(m.start_time == key.start_time, m.id > key.id),
        m.start_time.is_(None),
    )


class CrmMatchRepository:
    """Attendees of stored meetings and their CRM matches, in one session's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def external_attendees(
        self, account_id: str, meeting_ids: Iterable[str] | None = None
    ) -> list[AttendeeRow]:
        """External attendees (not `type: user`) with an email: of these meetings, or all."""
        a, m = StoredAttendee, StoredMeeting
        statement = (
            select(a.meeting_id, a.position, a.email, a.name, m.start_time)
            .join(m, and_(m.account_id == a.account_id, m.id == a.meeting_id))
            .where(a.account_id == account_id, a.type != "user", a.email.is_not(None))
        )
        if meeting_ids is None:
            slices: Iterable[Sequence[str] | None] = [None]
        else:
            slices = chunks(list(dict.fromkeys(meeting_ids)))
        found: list[AttendeeRow] = []
        for chunk in slices:
            query = statement if chunk is None else statement.where(a.meeting_id.in_(chunk))
            for meeting_id, position, email, name, start in await self._session.execute(query):
                found.append(AttendeeRow(meeting_id, position, email or "", name, start))
        return found

    async def meetings_with_attendee_domain(
        self, account_id: str, domains: Sequence[str]
    ) -> set[str] | None:
        """Meetings with an external attendee whose email contains one of `domains`.

        A superset of the meetings these domains can match (the caller verifies each
        attendee); None when there are too many domains for one query (read them all).
        """
        if len(domains) > _MAX_LIKES:
            return None
        if not domains:
            return set()
        a = StoredAttendee
        likes = [a.email.like(like_pattern(d), escape="\\") for d in domains]
        result = await self._session.execute(
            select(a.meeting_id)
            .where(a.account_id == account_id, a.type != "user", or_(*likes))
            .distinct()
        )
        return set(result.scalars())

    async def meetings(self, account_id: str, meeting_ids: Iterable[str]) -> list[StoredMeeting]:
        """These stored meetings."""
        found: list[StoredMeeting] = []
        for chunk in chunks(list(dict.fromkeys(meeting_ids))):
            rows = await self._session.scalars(
                select(StoredMeeting).where(
                    StoredMeeting.account_id == account_id, StoredMeeting.id.in_(chunk)
                )
            )
            found += rows
        return found

    async def with_transcript(self, account_id: str, meeting_ids: Iterable[str]) -> set[str]:
        """Those of these meetings that have at least one stored transcript entry."""
        te = StoredTranscriptEntry
        found: set[str] = set()
        for chunk in chunks(list(dict.fromkeys(meeting_ids))):
            result = await self._session.execute(
                select(te.meeting_id)
                .where(te.account_id == account_id, te.meeting_id.in_(chunk))
                .distinct()
            )
            found.update(result.scalars())
        return found

    # -- matches ------------------------------------------------------------------------

    async def matches_of_meetings(
        self, account_id: str, meeting_ids: Iterable[str] | None
    ) -> dict[MatchKey, MatchRow]:
        """The recorded matches of these meetings (None: of every meeting)."""
        c = _MATCHES.c
        statement = select(
            c.meeting_id, c.kind, c.external_id, c.attendee_position, c.attendee_email, c.announced
        ).where(c.account_id == account_id)
        if meeting_ids is None:
            slices: Iterable[Sequence[str] | None] = [None]
        else:
            slices = chunks(list(dict.fromkeys(meeting_ids)))
        found: dict[MatchKey, MatchRow] = {}
        for chunk in slices:
            query = statement if chunk is None else statement.where(c.meeting_id.in_(chunk))
            for (
                meeting_id,
                kind,
                external_id,
                position,
                email,
                announced,
            ) in await self._session.execute(query):
                found[(meeting_id, kind, external_id)] = MatchRow(position, email, announced)
        return found

    async def matched_meetings(
        self, kind: RecordKind, account_id: str, external_ids: Iterable[str]
    ) -> set[str]:
        """The meetings currently matched to these records."""
        c = _MATCHES.c
        found: set[str] = set()
        for chunk in chunks(list(dict.fromkeys(external_ids))):
            result = await self._session.execute(
                select(c.meeting_id).where(
                    c.account_id == account_id, c.kind == kind.name, c.external_id.in_(chunk)
                )
            )
            found.update(result.scalars())
        return found

    async def write_matches(
        self,
        account_id: str,
        *,
        added: dict[MatchKey, MatchRow],
        changed: dict[MatchKey, MatchRow],
        removed: Iterable[MatchKey],
        now: datetime,
    ) -> None:
        """Insert, update and delete matches (one executemany each).

        A match a concurrent transaction inserted first is kept (ON CONFLICT DO NOTHING):
        a sync page and a record upsert re-matching the same meeting never fail each other.
        """
        c = _MATCHES.c
        where = (
            c.account_id == bindparam("b_account_id"),
            c.meeting_id == bindparam("b_meeting_id"),
            c.kind == bindparam("b_kind"),
            c.external_id == bindparam("b_external_id"),
        )

        def key(match: MatchKey) -> dict[str, str]:
            meeting_id, kind, external_id = match
            return {
                "b_account_id": account_id,
                "b_meeting_id": meeting_id,
                "b_kind": kind,
                "b_external_id": external_id,
            }

        if gone := [key(k) for k in removed]:
            await self._session.execute(delete(_MATCHES).where(*where), gone)
        if changed:
            rows = [
                {
                    **key(k),
                    "attendee_position": r.position,
                    "attendee_email": r.email,
                    "announced": r.announced,
                }
                for k, r in changed.items()
            ]
            await self._session.execute(update(_MATCHES).where(*where), rows)
        fresh = [
            {
                "account_id": account_id,
                "meeting_id": meeting_id,
                "kind": kind,
                "external_id": external_id,
                "attendee_position": row.position,
                "attendee_email": row.email,
                "first_matched_at": now,
                "announced": row.announced,
            }
            for (meeting_id, kind, external_id), row in added.items()
        ]
        dialect = self._session.get_bind().dialect.name
        build = postgresql.insert if dialect == "postgresql" else sqlite.insert
        for chunk in chunks(fresh):
            await self._session.execute(build(_MATCHES).on_conflict_do_nothing(), list(chunk))

    async def activities(
        self,
        kind: RecordKind,
        account_id: str,
        external_id: str,
        *,
        after: MeetingKey | None,
        limit: int,
        visible: ColumnElement[bool] | None = None,
    ) -> list[tuple[CrmMatch, StoredMeeting]]:
        """Up to `limit` (match, meeting) pairs of one record after `after`, newest first;
        only meetings `visible` (a clause over `meetings`, a scope) lets through."""
        m = StoredMeeting
        statement = (
            select(CrmMatch, m)
            .join(m, and_(m.account_id == CrmMatch.account_id, m.id == CrmMatch.meeting_id))
            .where(
                CrmMatch.account_id == account_id,
                CrmMatch.kind == kind.name,
                CrmMatch.external_id == external_id,
            )
        )
        if after is not None:
            statement = statement.where(_after(after))
        if visible is not None:
            statement = statement.where(visible)
        statement = statement.order_by(m.start_time.desc().nulls_last(), m.id).limit(limit)
        result = await self._session.execute(statement)
        return [(match, meeting) for match, meeting in result]
