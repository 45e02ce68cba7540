"""Read queries on the synced copy: meetings (keyset paged, filtered), transcripts, users, teams.

Meetings page newest first on the keyset (start_time DESC NULLS LAST, id ASC); users and
teams on id ASC. A page asks for `limit + 1` rows so the caller knows whether more follow.
A `topic` is looked up in the stored meeting's own `topics` (JSON), row by row along that
keyset order (ADR 0012).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from parley.storage.fulltext import TextQuery, entries_matching
from parley.storage.scope import MeetingScope, visible_meetings
from parley.storage.tables_store import (
    StoredAttendee,
    StoredMeeting,
    StoredTeam,
    StoredTranscriptEntry,
    StoredUser,
)

__all__ = ["MeetingKey", "MeetingQuery", "StoreReadRepository", "like_pattern"]

Row = TypeVar("Row", StoredUser, StoredTeam)


@dataclass(frozen=True)
class MeetingQuery:
    """Filters on stored meetings; `owner_user_ids=()` matches nothing, None anything."""

    start_time_after: datetime | None = None
    start_time_before: datetime | None = None
    owner_user_ids: tuple[str, ...] | None = None
    participant_email: str | None = None
    type: str | None = None
    min_duration: float | None = None
    updated_after: datetime | None = None
    #: `q`: the transcript matches this full-text query, or the title contains `title_like`.
    text: TextQuery | None = None
    title_like: str | None = None
    #: One of the meeting's `topics`, whole, case-insensitively (the database's `lower()`).
    topic: str | None = None
    #: Only the meetings this app user may see (`storage.scope`); None: no scope.
    scope: MeetingScope | None = None


@dataclass(frozen=True)
class MeetingKey:
    """A position in the meetings order: the last row a page returned."""

    start_time: datetime | None
    id: str


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its wildcards taken literally (escape `\\`)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _after(key: MeetingKey) -> ColumnElement[bool]:
    m = StoredMeeting
    if key.start_time is None:
        return and_(m.start_time.is_(None), m.id > key.id)
    return or_(
        m.start_time < key.start_time,
        and_(m.start_time == key.start_time, m.id > key.id),
        m.start_time.is_(None),
    )


class StoreReadRepository:
    """Reads of one account's synced copy inside one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._dialect = session.get_bind().dialect.name

    # -- meetings ---------------------------------------------------------------------

    def _text_filter(self, account_id: str, query: MeetingQuery) -> ColumnElement[bool] | None:
        if query.text is None and query.title_like is None:
            return None
        options: list[ColumnElement[bool]] = []
        if query.title_like:
            options.append(StoredMeeting.title.ilike(like_pattern(query.title_like), escape="\\"))
        match = entries_matching(self._dialect, query.text) if query.text is not None else None
        if match is not None:
            te = StoredTranscriptEntry
            options.append(
                exists().where(
                    te.account_id == account_id, te.meeting_id == StoredMeeting.id, match
                )
            )
        return or_(*options) if options else false()

    def _topic_filter(self, topic: str) -> ColumnElement[bool]:
        # The meeting's own `topics` array, not `meeting_topics`: that table holds only the
        # meetings analytics counts (completed, with a transcript); see ADR 0012.
        data = StoredMeeting.data
        if self._dialect == "postgresql":
            names = func.jsonb_array_elements_text(data["topics"]).table_valued("value")
        else:
            names = func.json_each(data, "$.topics").table_valued("value")
        # `lower()` on both sides: SQLite folds ASCII only, so the two sides fold alike.
        return exists().select_from(names).where(func.lower(names.c.value) == func.lower(topic))

    def _meeting_filters(self, account_id: str, query: MeetingQuery) -> list[ColumnElement[bool]]:
        m = StoredMeeting
        where: list[ColumnElement[bool]] = [m.account_id == account_id]
        if query.start_time_after is not None:
            where.append(m.start_time >= query.start_time_after)
        if query.start_time_before is not None:
            where.append(m.start_time <= query.start_time_before)
        if query.owner_user_ids is not None:
            where.append(m.owner_user_id.in_(query.owner_user_ids))
        if query.type is not None:
            where.append(m.type == query.type)
        if query.min_duration is not None:
            where.append(m.duration >= query.min_duration)
        if query.updated_after is not None:
            where.append(m.updated_at > query.updated_after)
        if query.participant_email is not None:
            a = StoredAttendee
            where.append(
                exists().where(
                    a.account_id == account_id,
                    a.meeting_id == m.id,
                    func.lower(a.email) == query.participant_email.strip().lower(),
                )
            )
        text = self._text_filter(account_id, query)
        if text is not None:
            where.append(text)
        if query.topic is not None:
            where.append(self._topic_filter(query.topic))
        if query.scope is not None:
            where.append(visible_meetings(query.scope))
        return where

    async def meetings(
        self, account_id: str, query: MeetingQuery, after: MeetingKey | None, limit: int
    ) -> list[StoredMeeting]:
        """Up to `limit` meetings after `after` in the newest-first order."""
        where = self._meeting_filters(account_id, query)
        if after is not None:
            where.append(_after(after))
        statement = (
            select(StoredMeeting)
            .where(*where)
            .order_by(StoredMeeting.start_time.desc().nulls_last(), StoredMeeting.id)
            .limit(limit)
        )
        return list(await self._session.scalars(statement))

    async def meeting(
        self, account_id: str, meeting_id: str, scope: MeetingScope | None = None
    ) -> StoredMeeting | None:
        """One stored meeting (None as well when `scope` may not see it)."""
        if scope is None:
            return await self._session.get(StoredMeeting, (account_id, meeting_id))
        m = StoredMeeting
        statement = select(m).where(
            m.account_id == account_id, m.id == meeting_id, visible_meetings(scope)
        )
        return (await self._session.scalars(statement)).first()

    async def transcripts(
        self, account_id: str, meeting_ids: Iterable[str]
    ) -> dict[str, list[StoredTranscriptEntry]]:
        """Transcript entries of these meetings, in spoken order, by meeting id."""
        ids = list(meeting_ids)
        found: dict[str, list[StoredTranscriptEntry]] = {mid: [] for mid in ids}
        if not ids:
            return found
        te = StoredTranscriptEntry
        rows = await self._session.scalars(
            select(te)
            .where(te.account_id == account_id, te.meeting_id.in_(ids))
            .order_by(te.meeting_id, te.index)
        )
        for row in rows:
            found[row.meeting_id].append(row)
        return found

    async def team_members(self, account_id: str, team_ids: Sequence[str]) -> set[str]:
        """User ids in any of these teams (by the team's members or the user's team ids)."""
        wanted = set(team_ids)
        members: set[str] = set()
        teams = await self._session.scalars(
            select(StoredTeam).where(StoredTeam.account_id == account_id, StoredTeam.id.in_(wanted))
        )
        for team in teams:
            members.update(str(m) for m in team.data.get("member_ids") or ())
        users = await self._session.scalars(
            select(StoredUser).where(StoredUser.account_id == account_id)
        )
        for user in users:
            if wanted & {str(t) for t in user.data.get("team_ids") or ()}:
                members.add(user.id)
        return members

    # -- users and teams --------------------------------------------------------------

    async def users(
        self,
        account_id: str,
        *,
        after_id: str | None,
        limit: int,
        updated_after: datetime | None = None,
        q: str | None = None,
    ) -> list[StoredUser]:
        """Up to `limit` users after `after_id` (id order); `q` in the name or email."""
        u = StoredUser
        statement: Select[StoredUser] = select(u).where(u.account_id == account_id)
        if q:
            pattern = like_pattern(q)
            statement = statement.where(
                or_(
                    u.data["name"].as_string().ilike(pattern, escape="\\"),
                    u.email.ilike(pattern, escape="\\"),
                )
            )
        statement = _keyset(statement, u.id, u.updated_at, after_id, updated_after)
        return list(await self._session.scalars(statement.limit(limit)))

    async def user(self, account_id: str, user_id: str) -> StoredUser | None:
        """One stored user."""
        return await self._session.get(StoredUser, (account_id, user_id))

    async def teams(
        self,
        account_id: str,
        *,
        after_id: str | None,
        limit: int,
        updated_after: datetime | None = None,
        q: str | None = None,
    ) -> list[StoredTeam]:
        """Up to `limit` teams after `after_id` (id order); `q` in the name."""
        t = StoredTeam
        statement: Select[StoredTeam] = select(t).where(t.account_id == account_id)
        if q:
            statement = statement.where(
                t.data["name"].as_string().ilike(like_pattern(q), escape="\\")
            )
        statement = _keyset(statement, t.id, t.updated_at, after_id, updated_after)
        return list(await self._session.scalars(statement.limit(limit)))

    async def team(self, account_id: str, team_id: str) -> StoredTeam | None:
        """One stored team."""
        return await self._session.get(StoredTeam, (account_id, team_id))


def _keyset(
    statement: Select[Row],
    id_column: InstrumentedAttribute[str],
    updated_column: InstrumentedAttribute[datetime],
    after_id: str | None,
    updated_after: datetime | None,
) -> Select[Row]:
    if updated_after is not None:
        statement = statement.where(updated_column > updated_after)
    if after_id is not None:
        statement = statement.where(id_column > after_id)
    return statement.order_by(id_column)
