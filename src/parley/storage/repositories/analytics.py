"""Team analytics queries: per-meeting inputs in, `GROUP BY` sums out.

Reports group the inputs of counted meetings (`meeting_stats`, `meeting_topics`) by one
base key, the owner or the week; every row a report shows is a union of base groups, so
pooled sums stay exact (`insights.analytics`). A visibility clause over `meetings` (a
scope) can be ANDed into every report query: `visible`, which joins the meeting row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    delete,
    exists,
    func,
    null,
    select,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from parley.storage.tables_analytics import MeetingStats, MeetingTopic
from parley.storage.tables_store import (
    StoredMeeting,
    StoredTeam,
    StoredTranscriptEntry,
    StoredUser,
)

__all__ = [
    "AnalyticsFilter",
    "AnalyticsRepository",
    "GroupSums",
    "GroupTopic",
    "Grouping",
    "MeetingFigures",
    "UnrecordedMeeting",
]

_STATS = cast(Table, MeetingStats.__table__)
_TOPICS = cast(Table, MeetingTopic.__table__)
_CHUNK = 500
#: The base key a report groups by: the meeting's owner or its week.
Grouping = Literal["owner", "week"]


class MeetingFigures(Protocol):
    """One counted meeting's inputs (`insights.analytics_inputs.MeetingInputs`)."""

    @property
    def meeting_id(self) -> str: ...
    @property
    def owner_user_id(self) -> str | None: ...
    @property
    def owner_name(self) -> str | None: ...
    @property
    def start_time(self) -> datetime | None: ...
    @property
    def week(self) -> str | None: ...
    @property
    def duration(self) -> float: ...
    @property
    def owner_talk(self) -> float: ...
    @property
    def guest_talk(self) -> float: ...
    @property
    def total_talk(self) -> float: ...
    @property
    def longest_monologue(self) -> float: ...
    @property
    def topics(self) -> tuple[tuple[str, int], ...]: ...


@dataclass(frozen=True)
class AnalyticsFilter:
    """Which counted meetings a report covers; `owner_user_ids=()` matches none, None all."""

    start_time_after: datetime | None = None
    start_time_before: datetime | None = None
    owner_user_ids: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class GroupSums:
    """The summed inputs of one base group."""

    key: str | None
    meetings: int
    duration: float
    owner_talk: float
    guest_talk: float
    total_talk: float
    longest_monologue: float
    owner_name: str | None


@dataclass(frozen=True, slots=True)
class GroupTopic:
    """One topic of one base group: the meetings it matched in and its mentions."""

    key: str | None
    name: str
    meetings: int
    mentions: int


@dataclass(frozen=True, slots=True)
class UnrecordedMeeting:
    """A completed, detailed stored meeting without analytics inputs (for the backfill)."""

    id: str
    status: str
    owner_user_id: str | None
    start_time: datetime | None
    duration: float | None
    owner: dict[str, Any] | None
    trackers: list[dict[str, Any]] | None


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class AnalyticsRepository:
    """Analytics inputs and reports of one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # -- writing ----------------------------------------------------------------------------

    async def record(
        self, account_id: str, meeting_ids: Sequence[str], figures: Sequence[MeetingFigures]
    ) -> None:
        """Replace the inputs of `meeting_ids` by `figures` (those that count; others: none)."""
        ids = list(dict.fromkeys([*meeting_ids, *(f.meeting_id for f in figures)]))
        for chunk in _chunks(ids):
            for table in (_TOPICS, _STATS):
                await self._session.execute(
                    delete(table).where(
                        table.c.account_id == account_id, table.c.meeting_id.in_(chunk)
                    )
                )
        stats = [
            {
                "account_id": account_id,
                "meeting_id": f.meeting_id,
                "owner_user_id": f.owner_user_id,
                "owner_name": f.owner_name[:500] if f.owner_name else f.owner_name,
                "start_time": f.start_time,
                "week": f.week,
                "duration": f.duration,
                "owner_talk": f.owner_talk,
                "guest_talk": f.guest_talk,
                "total_talk": f.total_talk,
                "longest_monologue": f.longest_monologue,
            }
            for f in figures
        ]
        topics = [
            {
                "account_id": account_id,
                "meeting_id": f.meeting_id,
                "name": name[:500],
                "mentions": mentions,
                "owner_user_id": f.owner_user_id,
                "start_time": f.start_time,
                "week": f.week,
            }
            for f in figures
            for name, mentions in dict(f.topics).items()
        ]
        for table, rows in ((_STATS, stats), (_TOPICS, topics)):
            for chunk in _chunks(rows, 2000):
                await self._session.execute(self._upsert(table), list(chunk))

    def _upsert(self, table: Table) -> Any:
        # Another transaction (a backfill in another process, a sync) may insert the same
        # meeting's rows after our delete: the last writer's figures win, never a conflict.
        dialect = self._session.get_bind().dialect.name
        statement = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table)
        keys = [c.name for c in table.primary_key.columns]
        return statement.on_conflict_do_update(
            index_elements=keys,
            set_={c.name: statement.excluded[c.name] for c in table.c if c.name not in keys},
        )

    # -- backfill ---------------------------------------------------------------------------

    async def unrecorded(
        self, account_id: str, *, after_id: str | None, limit: int
    ) -> list[UnrecordedMeeting]:
        """Completed meetings with details but no inputs, by id after `after_id`."""
        m = StoredMeeting
        statement = (
            select(
                m.id,
                m.status,
                m.owner_user_id,
                m.start_time,
                m.duration,
                m.data["owner"],
                m.data["trackers"],
            )
            .where(
                m.account_id == account_id,
                m.status == "completed",
                m.has_details.is_(True),
                ~exists().where(_STATS.c.account_id == account_id, _STATS.c.meeting_id == m.id),
            )
            .order_by(m.id)
            .limit(limit)
        )
        if after_id is not None:
            statement = statement.where(m.id > after_id)
        result = await self._session.execute(statement)
        return [UnrecordedMeeting(*row) for row in result]

    async def spoken(
        self, account_id: str, meeting_ids: Sequence[str]
    ) -> dict[str, list[tuple[str | None, str, float | None, float | None]]]:
        """Each meeting's transcript as (speaker's user id, type, start, end), in order."""
        te = StoredTranscriptEntry
        found: dict[str, list[tuple[str | None, str, float | None, float | None]]] = {}
        for chunk in _chunks(list(meeting_ids)):
            result = await self._session.execute(
                select(te.meeting_id, te.user_id, te.speaker_type, te.start_time, te.end_time)
                .where(te.account_id == account_id, te.meeting_id.in_(chunk))
                .order_by(te.meeting_id, te.index)
            )
            for meeting_id, *entry in result:
                found.setdefault(meeting_id, []).append(tuple(entry))  # type: ignore[arg-type]
        return found

    # -- reports ----------------------------------------------------------------------------

    def _scoped(
        self,
        statement: Select[Any],
        table: Table,
        account_id: str,
        where: AnalyticsFilter,
        visible: ColumnElement[bool] | None,
    ) -> Select[Any]:
        conditions: list[ColumnElement[bool]] = [table.c.account_id == account_id]
        if where.start_time_after is not None:
            conditions.append(table.c.start_time >= where.start_time_after)
        if where.start_time_before is not None:
            conditions.append(table.c.start_time <= where.start_time_before)
        if where.owner_user_ids is not None:
            conditions.append(table.c.owner_user_id.in_(where.owner_user_ids))
        if visible is not None:
            m = StoredMeeting
            statement = statement.join(
                m, and_(m.account_id == table.c.account_id, m.id == table.c.meeting_id)
            )
            conditions.append(visible)
        return statement.where(*conditions)

    async def sums(
        self,
        account_id: str,
        grouping: Grouping,
        where: AnalyticsFilter,
        *,
        visible: ColumnElement[bool] | None = None,
    ) -> list[GroupSums]:
        """Summed inputs per base group of the counted meetings `where` selects.

        `visible`: a clause over `meetings` (a scope) the meetings must also satisfy.
        """
        s = _STATS.c
        key = s.owner_user_id if grouping == "owner" else s.week
        # Only the owner's covering index holds the name.
        name = func.max(s.owner_name) if grouping == "owner" else null()
        statement = select(
            key,
            func.count(),
            func.sum(s.duration),
            func.sum(s.owner_talk),
            func.sum(s.guest_talk),
            func.sum(s.total_talk),
            func.max(s.longest_monologue),
            name,
        ).select_from(_STATS)
        statement = self._scoped(statement, _STATS, account_id, where, visible).group_by(key)
        result = await self._session.execute(statement)
        return [GroupSums(*row) for row in result]

    async def topics(
        self,
        account_id: str,
        grouping: Grouping,
        where: AnalyticsFilter,
        *,
        visible: ColumnElement[bool] | None = None,
    ) -> list[GroupTopic]:
        """Per base group and tracker name: matched meetings and mentions (as `sums`)."""
        t = _TOPICS.c
        key = t.owner_user_id if grouping == "owner" else t.week
        statement = select(key, t.name, func.count(), func.sum(t.mentions)).select_from(_TOPICS)
        statement = self._scoped(statement, _TOPICS, account_id, where, visible)
        result = await self._session.execute(statement.group_by(key, t.name))
        return [GroupTopic(*row) for row in result]

    # -- people -----------------------------------------------------------------------------

    async def users(self, account_id: str) -> list[tuple[str, str | None, list[str]]]:
        """Stored users as (id, name, team ids)."""
        u = StoredUser
        result = await self._session.execute(
            select(u.id, u.data["name"].as_string(), u.data["team_ids"]).where(
                u.account_id == account_id
            )
        )
        return [(id_, name, [str(t) for t in teams or ()]) for id_, name, teams in result]

    async def teams(self, account_id: str) -> list[tuple[str, str | None, list[str]]]:
        """Stored teams as (id, name, member ids)."""
        t = StoredTeam
        result = await self._session.execute(
            select(t.id, t.data["name"].as_string(), t.data["member_ids"]).where(
                t.account_id == account_id
            )
        )
        return [(id_, name, [str(m) for m in members or ()]) for id_, name, members in result]
