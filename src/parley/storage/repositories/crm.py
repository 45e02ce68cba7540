"""CRM records (contacts, companies) and their matches to stored meetings.

A record is one row plus its normalised keys (a contact's emails, a company's domains) in a
child table; `RecordKind` names the pair, so contacts and companies share every query.
Activities page newest meeting first on the stored-meetings keyset (start_time DESC NULLS
LAST, id ASC), asking for `limit + 1` rows so the caller knows whether more follow.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import ColumnElement, Table, and_, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley.storage.repositories.store_reads import MeetingKey, like_pattern
from parley.storage.tables import IntegratedAccount
from parley.storage.tables_crm import (
    CrmCompany,
    CrmCompanyDomain,
    CrmContact,
    CrmContactEmail,
    CrmMatch,
)
from parley.storage.tables_store import StoredAttendee, StoredMeeting, StoredTranscriptEntry

__all__ = [
    "COMPANIES",
    "CONTACTS",
    "AttendeeRow",
    "CrmRepository",
    "MatchKey",
    "MatchRow",
    "RecordKind",
]

_CHUNK = 500
#: A single upsert looks for affected meetings with one LIKE per domain up to this many.
_MAX_LIKES = 40


@dataclass(frozen=True)
class RecordKind:
    """Contacts or companies: the record table, its key table and the key column."""

    name: Literal["contact", "company"]
    record: type[CrmContact] | type[CrmCompany]
    keys: Table
    key_column: str


CONTACTS = RecordKind("contact", CrmContact, cast(Table, CrmContactEmail.__table__), "email")
COMPANIES = RecordKind("company", CrmCompany, cast(Table, CrmCompanyDomain.__table__), "domain")
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


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _after(key: MeetingKey) -> ColumnElement[bool]:
    m = StoredMeeting
    if key.start_time is None:
        return and_(m.start_time.is_(None), m.id > key.id)
    return or_(
        m.start_time < key.start_time,
        and_(m.start_time == key.start_time, m.id > key.id),
        m.start_time.is_(None),
    )


class CrmRepository:
    """CRM rows of one session's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def account_tenant(self, account_id: str) -> str | None:
        """The tenant owning the integrated account (None when there is no such account)."""
        return await self._session.scalar(
            select(IntegratedAccount.tenant_id).where(IntegratedAccount.id == account_id)
        )

    # -- records ------------------------------------------------------------------------

    async def record(
        self, kind: RecordKind, account_id: str, external_id: str
    ) -> CrmContact | CrmCompany | None:
        """One contact or company."""
        return await self._session.get(kind.record, (account_id, external_id))

    async def record_keys(self, kind: RecordKind, account_id: str, external_id: str) -> list[str]:
        """The normalised emails (domains) of one record."""
        column = kind.keys.c[kind.key_column]
        result = await self._session.execute(
            select(column).where(
                kind.keys.c.account_id == account_id, kind.keys.c.external_id == external_id
            )
        )
        return list(result.scalars())

    async def upsert(
        self,
        kind: RecordKind,
        account_id: str,
        external_id: str,
        values: dict[str, Any],
        keys: Sequence[str],
        now: datetime,
    ) -> bool:
        """Create or replace a record and its keys; True when it was created."""
        row = await self.record(kind, account_id, external_id)
        created = row is None
        if row is None:
            row = kind.record(account_id=account_id, external_id=external_id, created_at=now)
            self._session.add(row)
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = now
        await self._session.flush()
        await self._session.execute(
            delete(kind.keys).where(
                kind.keys.c.account_id == account_id, kind.keys.c.external_id == external_id
            )
        )
        rows = [
            {"account_id": account_id, "external_id": external_id, kind.key_column: key}
            for key in dict.fromkeys(keys)
        ]
        await self._session.execute(insert(kind.keys), rows)
        return created

    async def delete(self, kind: RecordKind, account_id: str, external_id: str) -> bool:
        """Delete a record, its keys and its matches; whether it existed."""
        row = await self.record(kind, account_id, external_id)
        if row is None:
            return False
        where = (kind.keys.c.account_id == account_id, kind.keys.c.external_id == external_id)
        await self._session.execute(delete(kind.keys).where(*where))
        await self._session.execute(
            delete(_MATCHES).where(
                _MATCHES.c.account_id == account_id,
                _MATCHES.c.kind == kind.name,
                _MATCHES.c.external_id == external_id,
            )
        )
        await self._session.delete(row)
        return True

    async def records(
        self,
        kind: RecordKind,
        account_id: str,
        *,
        key: str | None,
        after_id: str | None,
        limit: int,
    ) -> list[CrmContact | CrmCompany]:
        """Up to `limit` records after `after_id` (external id order), with `key` if given."""
        record = kind.record
        statement = select(record).where(record.account_id == account_id)
        if key is not None:
            statement = statement.where(
                record.external_id.in_(
                    select(kind.keys.c.external_id).where(
                        kind.keys.c.account_id == account_id, kind.keys.c[kind.key_column] == key
                    )
                )
            )
        if after_id is not None:
            statement = statement.where(record.external_id > after_id)
        rows = await self._session.scalars(statement.order_by(record.external_id).limit(limit))
        return [cast(CrmContact | CrmCompany, row) for row in rows]

    async def owners_of(
        self, kind: RecordKind, account_id: str, keys: Iterable[str]
    ) -> list[tuple[str, str]]:
        """(external id, key) of the records holding any of these normalised keys."""
        found: list[tuple[str, str]] = []
        column = kind.keys.c[kind.key_column]
        for chunk in _chunks(sorted(set(keys))):
            result = await self._session.execute(
                select(kind.keys.c.external_id, column).where(
                    kind.keys.c.account_id == account_id, column.in_(chunk)
                )
            )
            found += [(str(e), str(k)) for e, k in result]
        return found

    async def all_keys(self, kind: RecordKind, account_id: str) -> list[tuple[str, str]]:
        """(external id, key) of every record of the account."""
        column = kind.keys.c[kind.key_column]
        result = await self._session.execute(
            select(kind.keys.c.external_id, column).where(kind.keys.c.account_id == account_id)
        )
        return [(str(e), str(k)) for e, k in result]

    # -- attendees of stored meetings -----------------------------------------------------

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
            chunks: Iterable[Sequence[str] | None] = [None]
        else:
            chunks = _chunks(list(dict.fromkeys(meeting_ids)))
        found: list[AttendeeRow] = []
        for chunk in chunks:
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
        for chunk in _chunks(list(dict.fromkeys(meeting_ids))):
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
        for chunk in _chunks(list(dict.fromkeys(meeting_ids))):
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
            chunks: Iterable[Sequence[str] | None] = [None]
        else:
            chunks = _chunks(list(dict.fromkeys(meeting_ids)))
        found: dict[MatchKey, MatchRow] = {}
        for chunk in chunks:
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
        self, kind: RecordKind, account_id: str, external_id: str
    ) -> set[str]:
        """The meetings currently matched to one record."""
        c = _MATCHES.c
        result = await self._session.execute(
            select(c.meeting_id).where(
                c.account_id == account_id, c.kind == kind.name, c.external_id == external_id
            )
        )
        return set(result.scalars())

    async def write_matches(
        self,
        account_id: str,
        *,
        added: dict[MatchKey, MatchRow],
        changed: dict[MatchKey, MatchRow],
        removed: Iterable[MatchKey],
        now: datetime,
    ) -> None:
        """Insert, update and delete matches."""
        c = _MATCHES.c
        for meeting_id, kind, external_id in removed:
            await self._session.execute(
                delete(_MATCHES).where(
                    c.account_id == account_id,
                    c.meeting_id == meeting_id,
                    c.kind == kind,
                    c.external_id == external_id,
                )
            )
        for (meeting_id, kind, external_id), row in changed.items():
            await self._session.execute(
                update(_MATCHES)
                .where(
                    c.account_id == account_id,
                    c.meeting_id == meeting_id,
                    c.kind == kind,
                    c.external_id == external_id,
                )
                .values(
                    attendee_position=row.position,
                    attendee_email=row.email,
                    announced=row.announced,
                )
            )
        rows = [
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
        for chunk in _chunks(rows):
            await self._session.execute(insert(_MATCHES), list(chunk))

    async def activities(
        self,
        kind: RecordKind,
        account_id: str,
        external_id: str,
        *,
        after: MeetingKey | None,
        limit: int,
    ) -> list[tuple[CrmMatch, StoredMeeting]]:
        """Up to `limit` (match, meeting) pairs of one record after `after`, newest first."""
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
        statement = statement.order_by(m.start_time.desc().nulls_last(), m.id).limit(limit)
        result = await self._session.execute(statement)
        return [(match, meeting) for match, meeting in result]
