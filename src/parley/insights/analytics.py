"""Team analytics over the synced copy: per user, team or week, from precomputed inputs.

Each counted meeting (completed, with a transcript) has its inputs stored once
(`analytics_inputs`, `storage.tables_analytics`): by `record_meetings` in the transaction
that stores it, or by `TeamAnalytics.backfill` from the stored rows. A report sums them per
base group in SQL (the owner, or the week) and folds the groups into rows
(`analytics_rows`): a user's row is their group, a team's row its members' groups, a week's
row its group. Team membership is read at report time (a stored team's `member_ids` or a
stored user's `team_ids`, as the `team_id` filter of stored reads), so a re-synced team
counts at once. The totals pool the distinct meetings of every row: a meeting in two teams
counts once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from parley.insights.analytics_inputs import MeetingInputs, inputs_of, meeting_inputs
from parley.insights.analytics_rows import AnalyticsRow, RowSpec, fold
from parley.storage import Database
from parley.storage.page_hooks import PageContext
from parley.storage.repositories.analytics import (
    AnalyticsFilter,
    AnalyticsRepository,
    Grouping,
    GroupSums,
    GroupTopic,
    UnrecordedMeeting,
)
from parley.storage.repositories.store_records import MeetingRecord
from parley.unified import Meeting
from parley.unified.base import to_utc

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

__all__ = [
    "AnalyticsPage",
    "AnalyticsQuery",
    "AnalyticsReport",
    "GroupBy",
    "Overview",
    "TeamAnalytics",
    "record_meeting_records",
    "record_meetings",
]

#: (tenant id, account id) -> the tenant's account (404 otherwise); `accounts.get`.
AccountLookup = Callable[[str | None, str], Awaitable[Any]]
_BACKFILL_BATCH = 200
_T = TypeVar("_T")


class GroupBy(StrEnum):
    """What a report's rows are."""

    USER = "user"
    TEAM = "team"
    WEEK = "week"


@dataclass(frozen=True)
class AnalyticsQuery:
    """A report's grouping and filters (`user_ids` and `team_ids`: the owner's)."""

    group_by: GroupBy = GroupBy.USER
    start_time_after: datetime | None = None
    start_time_before: datetime | None = None
    user_ids: tuple[str, ...] = ()
    team_ids: tuple[str, ...] = ()


class AnalyticsReport(BaseModel):
    """The answer: a page of rows, the totals over every row, the list envelope's fields."""

    result: list[AnalyticsRow]
    totals: AnalyticsRow
    next_cursor: str | None
    result_count: int


@dataclass(frozen=True)
class Overview:
    """A user report, its week rows and the account's teams as (id, name), by name."""

    reps: list[AnalyticsRow]
    totals: AnalyticsRow
    weeks: list[AnalyticsRow]
    teams: list[tuple[str, str]]


@dataclass(frozen=True)
class AnalyticsPage:
    """Rows from an offset, the totals over every row, and the offset of the next page."""

    rows: list[AnalyticsRow]
    totals: AnalyticsRow
    next_offset: int | None


async def record_meetings(
    session: AsyncSession, account_id: str, meetings: Sequence[Meeting]
) -> None:
    """Store the analytics inputs of these full meetings (transcript and speakers included)
    inside `session`; a meeting that does not count (any more) loses its inputs."""
    figures = [f for m in meetings if (f := meeting_inputs(m)) is not None]
    await AnalyticsRepository(session).record(account_id, [m.id for m in meetings], figures)


async def record_meeting_records(
    session: AsyncSession, account_id: str, records: Sequence[MeetingRecord]
) -> None:
    """`record_meetings` for the store writer's records (lean meeting plus entry tuples)."""
    figures = [f for r in records if (f := _record_inputs(r)) is not None]
    await AnalyticsRepository(session).record(account_id, [r.id for r in records], figures)


def _record_inputs(record: MeetingRecord) -> MeetingInputs | None:
    meeting = record.meeting
    if not record.has_transcript:
        return None
    # ENTRY_CONTENT order: index, speaker_id, speaker_name, speaker_type, user_id, start, end.
    spoken = [(e[4], e[3], e[5], e[6]) for e in record.entries]
    owner = meeting.owner
    return inputs_of(
        meeting_id=meeting.id,
        status=meeting.status.value,
        owner_user_id=owner.user_id if owner else None,
        owner_name=owner.name if owner else None,
        start_time=meeting.start_time,
        duration=meeting.duration,
        spoken=spoken,
        trackers=[(t.name, t.count, len(t.mentions)) for t in meeting.trackers],
    )


def _stored_inputs(
    row: UnrecordedMeeting, spoken: Sequence[tuple[str | None, str, float | None, float | None]]
) -> MeetingInputs | None:
    owner = row.owner if isinstance(row.owner, dict) else {}
    trackers = [
        (str(t.get("name") or ""), int(t.get("count") or 0), len(t.get("mentions") or ()))
        for t in row.trackers or ()
        if isinstance(t, dict)
    ]
    return inputs_of(
        meeting_id=row.id,
        status=row.status,
        owner_user_id=row.owner_user_id,
        owner_name=owner.get("name"),
        start_time=to_utc(row.start_time) if row.start_time is not None else None,
        duration=row.duration,
        spoken=spoken,
        trackers=trackers,
    )


def _week_name(week: str) -> str:
    year, number, _ = date.fromisoformat(week).isocalendar()
    return f"{year}-W{number:02d}"


def _memberships(
    users: Sequence[tuple[str, str | None, list[str]]],
    teams: Sequence[tuple[str, str | None, list[str]]],
) -> dict[str, set[str]]:
    members: dict[str, set[str]] = {team_id: set(ids) for team_id, _, ids in teams}
    for user_id, _, team_ids in users:
        for team_id in team_ids:
            members.setdefault(team_id, set()).add(user_id)
    return members


class TeamAnalytics:
    """Reports per user, team or week over one account's counted meetings."""

    def __init__(self, db: Database, accounts: AccountLookup) -> None:
        self._db = db
        self._accounts = accounts
        self._caught_up: set[str] = set()
        self._catching_up = asyncio.Lock()

    async def on_page(self, session: AsyncSession, page: PageContext) -> None:
        """The sync page hook: the page's new or changed meetings get their inputs
        recomputed (deleted meetings take theirs along: the tables cascade)."""
        if page.changed:
            records = [changed.record for changed in page.changed]
            await record_meeting_records(session, page.account_id, records)

    async def report(
        self,
        tenant_id: str | None,
        account_id: str,
        query: AnalyticsQuery,
        *,
        offset: int = 0,
        limit: int = 50,
        visible: ColumnElement[bool] | None = None,
    ) -> AnalyticsPage:
        """`limit` rows from `offset` and the totals over every row.

        `visible`: a clause over `meetings` (a scope) every counted meeting must satisfy.
        """
        account = (await self._accounts(tenant_id, account_id)).id
        rows, totals = await self._rows(account, query, visible)
        following = offset + limit
        return AnalyticsPage(
            rows=rows[offset:following],
            totals=totals,
            next_offset=following if following < len(rows) else None,
        )

    async def export(
        self,
        tenant_id: str | None,
        account_id: str,
        query: AnalyticsQuery,
        *,
        visible: ColumnElement[bool] | None = None,
    ) -> tuple[list[AnalyticsRow], AnalyticsRow]:
        """Every row of the report and its totals (the CSV export)."""
        account = (await self._accounts(tenant_id, account_id)).id
        return await self._rows(account, query, visible)

    async def backfill(self, account_id: str) -> int:
        """Compute the inputs of every stored meeting that counts and has none; how many.

        Reads the stored rows (meeting JSON, transcript entries), in batches, one
        transaction each. Meetings the sync has recorded already cost nothing.
        """
        recorded, after = 0, None
        while True:
            async with self._db.session() as session:
                repository = AnalyticsRepository(session)
                batch = await repository.unrecorded(
                    account_id, after_id=after, limit=_BACKFILL_BATCH
                )
                if not batch:
                    return recorded
                spoken = await repository.spoken(account_id, [m.id for m in batch])
                figures = [
                    f for m in batch if (f := _stored_inputs(m, spoken.get(m.id, []))) is not None
                ]
                await repository.record(account_id, [], figures)
            recorded += len(figures)
            after = batch[-1].id

    async def _catch_up(self, account_id: str) -> None:
        # Meetings stored before analytics existed (or by a sync that did not record them)
        # get their inputs on the first report of the account in this process.
        if account_id in self._caught_up:
            return
        async with self._catching_up:
            if account_id not in self._caught_up:
                await self.backfill(account_id)
                self._caught_up.add(account_id)

    async def overview(
        self,
        tenant_id: str | None,
        account_id: str,
        query: AnalyticsQuery,
        *,
        visible: ColumnElement[bool] | None = None,
    ) -> Overview:
        """The `group_by=user` rows and totals of `query`, its `group_by=week` rows (without
        topics) and the account's teams, read in one session (the dashboard)."""
        account = (await self._accounts(tenant_id, account_id)).id
        await self._catch_up(account)
        async with self._db.session() as session:
            users, teams, members, where = await _filters(
                AnalyticsRepository(session), account, query
            )
        # Three independent GROUP BYs, each in its own session, so they run side by side
        # (SQLite in its driver threads, PostgreSQL on three connections).
        sums, topics, weekly = await asyncio.gather(
            self._read(lambda r: r.sums(account, "owner", where, visible=visible)),
            self._read(lambda r: r.topics(account, "owner", where, visible=visible)),
            self._read(lambda r: r.sums(account, "week", where, visible=visible)),
        )
        reps, totals = _fold(GroupBy.USER, query, users, teams, members, sums, topics)
        weeks, _ = _fold(GroupBy.WEEK, query, users, teams, members, weekly, [])
        named = sorted(((t, name or t) for t, name, _ in teams), key=lambda t: (t[1].lower(), t[0]))
        return Overview(reps, totals, weeks, named)

    async def _read(self, query: Callable[[AnalyticsRepository], Awaitable[_T]]) -> _T:
        async with self._db.session() as session:
            return await query(AnalyticsRepository(session))

    async def _rows(
        self, account_id: str, query: AnalyticsQuery, visible: ColumnElement[bool] | None
    ) -> tuple[list[AnalyticsRow], AnalyticsRow]:
        await self._catch_up(account_id)
        async with self._db.session() as session:
            repository = AnalyticsRepository(session)
            users, teams, members, where = await _filters(repository, account_id, query)
            grouping: Grouping = "week" if query.group_by == GroupBy.WEEK else "owner"
            sums = await repository.sums(account_id, grouping, where, visible=visible)
            topics = await repository.topics(account_id, grouping, where, visible=visible)
        return _fold(query.group_by, query, users, teams, members, sums, topics)


_People = list[tuple[str, str | None, list[str]]]


async def _filters(
    repository: AnalyticsRepository, account_id: str, query: AnalyticsQuery
) -> tuple[_People, _People, dict[str, set[str]], AnalyticsFilter]:
    """The account's users and teams, the teams' members, and the query's SQL filter."""
    users = await repository.users(account_id)
    teams = await repository.teams(account_id)
    members = _memberships(users, teams)
    owners: set[str] | None = None
    if query.user_ids:
        owners = set(query.user_ids)
    if query.team_ids:
        in_teams = set().union(*(members.get(t, set()) for t in query.team_ids))
        owners = in_teams if owners is None else owners & in_teams
    where = AnalyticsFilter(
        start_time_after=query.start_time_after,
        start_time_before=query.start_time_before,
        owner_user_ids=None if owners is None else tuple(sorted(owners)),
    )
    return users, teams, members, where


def _fold(
    group_by: GroupBy,
    query: AnalyticsQuery,
    users: _People,
    teams: _People,
    members: dict[str, set[str]],
    sums: Sequence[GroupSums],
    topics: Sequence[GroupTopic],
) -> tuple[list[AnalyticsRow], AnalyticsRow]:
    """The report's rows, in its order, and its totals, from its base groups' sums."""
    by_key = {g.key: g for g in sums if g.key is not None}
    topics_of: dict[str, list[tuple[str, int, int]]] = {}
    for topic in topics:
        if topic.key is not None:
            topics_of.setdefault(topic.key, []).append((topic.name, topic.meetings, topic.mentions))
    specs: list[RowSpec] = []
    if group_by == GroupBy.TEAM:
        names = {team_id: name for team_id, name, _ in teams}
        for team_id in dict.fromkeys(query.team_ids or members):
            owned = [by_key[o] for o in sorted(members.get(team_id, ())) if o in by_key]
            if owned:
                specs.append(RowSpec(team_id, names.get(team_id), owned))
    elif group_by == GroupBy.USER:
        names = {user_id: name for user_id, name, _ in users}
        specs = [RowSpec(k, names.get(k) or g.owner_name, [g]) for k, g in by_key.items()]
    else:
        specs = [RowSpec(f"{k}T00:00:00Z", _week_name(k), [g]) for k, g in by_key.items()]
    if group_by == GroupBy.WEEK:
        specs.sort(key=lambda spec: spec.key, reverse=True)  # newest week first
    else:
        specs.sort(key=lambda spec: (-spec.meetings, spec.name or "", spec.key))
    return fold(specs, topics_of)
