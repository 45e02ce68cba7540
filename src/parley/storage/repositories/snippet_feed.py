"""The snippet feed: a tenant's snippets with their rule's name and meeting's title.

Newest meeting first (`meeting_sort` descending, then the meeting id), then by `start_time`
within a meeting; keyset-paged on `(meeting_sort, meeting_id, start_time, id)`, which is the
`ix_snippets_tenant_id_meeting_sort` index. The query joins `meetings`, so a visibility
clause over that table (`visible`, e.g. per-user scoping) is ANDed inside the query: a scoped
page holds exactly the visible snippets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.storage.tables_insights import KeywordRuleRow, SnippetRow
from parley.storage.tables_store import StoredMeeting

__all__ = ["FeedKey", "FeedQuery", "SnippetFeedRepository"]

_SNIPPETS = cast(Table, SnippetRow.__table__)
_RULES = cast(Table, KeywordRuleRow.__table__)
_MEETINGS = cast(Table, StoredMeeting.__table__)


@dataclass(frozen=True, slots=True)
class FeedKey:
    """Where a feed page continues: the last snippet's sort key."""

    meeting_sort: datetime
    meeting_id: str
    start_time: float
    id: str


@dataclass(frozen=True, slots=True)
class FeedQuery:
    """The feed's filters (None: not filtered)."""

    tenant_id: str
    rule_id: str | None = None
    account_id: str | None = None
    meeting_id: str | None = None
    start_time_after: datetime | None = None
    start_time_before: datetime | None = None
    #: The app user a scoped read acts as (its cursors are bound to it; what it sees is
    #: the `visible` clause).
    app_user_id: str | None = None


def _after(key: FeedKey) -> ColumnElement[bool]:
    s = _SNIPPETS.c
    same_meeting = and_(s.meeting_sort == key.meeting_sort, s.meeting_id == key.meeting_id)
    return or_(
        s.meeting_sort < key.meeting_sort,
        and_(s.meeting_sort == key.meeting_sort, s.meeting_id < key.meeting_id),
        and_(same_meeting, s.start_time > key.start_time),
        and_(same_meeting, s.start_time == key.start_time, s.id > key.id),
    )


class SnippetFeedRepository:
    """Feed reads inside one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def page(
        self,
        query: FeedQuery,
        *,
        after: FeedKey | None,
        limit: int,
        visible: ColumnElement[bool] | None = None,
    ) -> Sequence[dict[str, Any]]:
        """Up to `limit` snippets after `after`; `visible` (over `meetings`) is ANDed in."""
        s, m = _SNIPPETS.c, _MEETINGS.c
        conditions: list[ColumnElement[bool]] = [s.tenant_id == query.tenant_id]
        if query.rule_id is not None:
            conditions.append(s.rule_id == query.rule_id)
        if query.account_id is not None:
            conditions.append(s.account_id == query.account_id)
        if query.meeting_id is not None:
            conditions.append(s.meeting_id == query.meeting_id)
        if query.start_time_after is not None:
            conditions.append(m.start_time >= query.start_time_after)
        if query.start_time_before is not None:
            conditions.append(m.start_time <= query.start_time_before)
        if after is not None:
            conditions.append(_after(after))
        if visible is not None:
            conditions.append(visible)
        statement = (
            select(
                *s,
                _RULES.c.name.label("rule_name"),
                m.title.label("meeting_title"),
                m.start_time.label("meeting_start_time"),
            )
            .select_from(
                _SNIPPETS.join(_RULES, _RULES.c.id == s.rule_id).join(
                    _MEETINGS, and_(m.account_id == s.account_id, m.id == s.meeting_id)
                )
            )
            .where(*conditions)
            .order_by(s.meeting_sort.desc(), s.meeting_id.desc(), s.start_time, s.id)
            .limit(limit)
        )
        result = await self._session.execute(statement)
        return [dict(row) for row in result.mappings()]
