"""Keyword rules, their snippets, and the reads a backfill makes of the synced copy.

Every query is bound to a tenant, so another tenant's rule is simply not found. Snippets of
a meeting are replaced as a set (`replace_snippets`): the ids kept keep their `created_at`,
the new ones are reported so the caller can send their events.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, delete, func, or_, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from parley.storage.tables import IntegratedAccount
from parley.storage.tables_insights import KeywordRuleRow, SnippetRow
from parley.storage.tables_store import StoredMeeting, StoredTranscriptEntry

__all__ = [
    "BackfillMeeting",
    "KeywordRepository",
    "RuleKey",
    "StoredEntry",
]

_SNIPPETS = cast(Table, SnippetRow.__table__)
_ENTRIES = cast(Table, StoredTranscriptEntry.__table__)
_MEETINGS = cast(Table, StoredMeeting.__table__)
#: What a later write of the same snippet id replaces (all but the id, keys and created_at).
_SNIPPET_FIELDS = tuple(
    c.name for c in _SNIPPETS.columns if c.name not in ("id", "tenant_id", "created_at")
)
# Bound parameters per statement stay well under SQLite's and asyncpg's limits.
_CHUNK = 500
#: Where the rules list continues: (created_at, id) of the last rule listed.
RuleKey = tuple[datetime, str]


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """One stored transcript entry as matching and snippets read it."""

    index: int
    speaker_id: str | None
    speaker_name: str | None
    speaker_type: str
    user_id: str | None
    start_time: float | None
    end_time: float | None
    text: str


@dataclass(frozen=True, slots=True)
class BackfillMeeting:
    """A stored meeting with a transcript, as a backfill scans it."""

    account_id: str
    id: str
    start_time: datetime | None
    duration: float | None


class KeywordRepository:
    """Rules and snippets inside one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @property
    def session(self) -> AsyncSession:
        """The session the repository works in."""
        return self._session

    # -- rules -------------------------------------------------------------------------------

    async def add_rule(self, rule: KeywordRuleRow) -> KeywordRuleRow:
        self._session.add(rule)
        await self._session.flush()
        return rule

    async def rule(self, tenant_id: str, rule_id: str) -> KeywordRuleRow | None:
        """One rule of the tenant (None: no such rule, or another tenant's)."""
        query = select(KeywordRuleRow).where(
            KeywordRuleRow.id == rule_id, KeywordRuleRow.tenant_id == tenant_id
        )
        return cast(KeywordRuleRow | None, await self._session.scalar(query))

    async def rule_by_id(self, rule_id: str) -> KeywordRuleRow | None:
        """A rule whatever its tenant (background work that holds only the id)."""
        return await self._session.get(KeywordRuleRow, rule_id)

    async def rules(
        self, tenant_id: str, *, after: RuleKey | None = None, limit: int | None = None
    ) -> list[KeywordRuleRow]:
        """The tenant's rules, oldest first, after `after`."""
        query = select(KeywordRuleRow).where(KeywordRuleRow.tenant_id == tenant_id)
        if after is not None:
            query = query.where(
                tuple_(KeywordRuleRow.created_at, KeywordRuleRow.id) > tuple_(*after)
            )
        query = query.order_by(KeywordRuleRow.created_at, KeywordRuleRow.id)
        if limit is not None:
            query = query.limit(limit)
        return list(await self._session.scalars(query))

    def _applying(self, tenant_id: str, account_id: str) -> ColumnElement[bool]:
        return and_(
            KeywordRuleRow.tenant_id == tenant_id,
            KeywordRuleRow.enabled.is_(True),
            or_(KeywordRuleRow.account_id.is_(None), KeywordRuleRow.account_id == account_id),
        )

    async def rules_version(self, tenant_id: str, account_id: str) -> tuple[int, str | None]:
        """(count, latest `updated_at`) of the enabled rules applying to the account: any
        create, change or delete of one of them changes it (a compiled-matcher cache key)."""
        query = select(func.count(), func.max(KeywordRuleRow.updated_at)).where(
            self._applying(tenant_id, account_id)
        )
        count, latest = (await self._session.execute(query)).one()
        return int(count), None if latest is None else str(latest)

    async def applying_rules(self, tenant_id: str, account_id: str) -> list[KeywordRuleRow]:
        """The enabled rules that apply to the account, oldest first."""
        query = (
            select(KeywordRuleRow)
            .where(self._applying(tenant_id, account_id))
            .order_by(KeywordRuleRow.created_at, KeywordRuleRow.id)
        )
        return list(await self._session.scalars(query))

    async def delete_rule(self, tenant_id: str, rule_id: str) -> bool:
        """Delete the rule and its snippets; False when there was no such rule."""
        rule = await self.rule(tenant_id, rule_id)
        if rule is None:
            return False
        await self.delete_rule_snippets(rule_id)
        await self._session.delete(rule)
        return True

    async def unfinished_backfills(self) -> list[tuple[str, int]]:
        """(id, version) of enabled rules whose backfill was left queued or running."""
        query = (
            select(KeywordRuleRow.id, KeywordRuleRow.version)
            .where(
                KeywordRuleRow.backfill_status.in_(("queued", "running")),
                KeywordRuleRow.enabled.is_(True),
            )
            .order_by(KeywordRuleRow.updated_at)
        )
        return [(row[0], row[1]) for row in await self._session.execute(query)]

    async def tenant_accounts(self, tenant_id: str) -> list[str]:
        """Ids of the tenant's integrated accounts (what a rule without an account covers)."""
        query = (
            select(IntegratedAccount.id)
            .where(IntegratedAccount.tenant_id == tenant_id)
            .order_by(IntegratedAccount.id)
        )
        return list(await self._session.scalars(query))

    # -- snippets ----------------------------------------------------------------------------

    async def snippet_ids(
        self, account_id: str, meeting_ids: Sequence[str], rule_ids: Sequence[str] | None
    ) -> dict[str, datetime]:
        """id -> created_at of the snippets of these meetings (and rules; None: any rule)."""
        found: dict[str, datetime] = {}
        for chunk in _chunks(list(meeting_ids)):
            query = select(_SNIPPETS.c.id, _SNIPPETS.c.created_at).where(
                _SNIPPETS.c.account_id == account_id, _SNIPPETS.c.meeting_id.in_(chunk)
            )
            if rule_ids is not None:
                query = query.where(_SNIPPETS.c.rule_id.in_(rule_ids))
            found.update((row[0], row[1]) for row in await self._session.execute(query))
        return found

    async def replace_snippets(
        self,
        account_id: str,
        meeting_ids: Sequence[str],
        rule_ids: Sequence[str] | None,
        rows: Sequence[dict[str, Any]],
    ) -> set[str]:
        """Make `rows` the snippets of these meetings (for these rules; None: any rule).

        A snippet id already stored keeps its `created_at`; the ids that are new are returned.
        """
        existing = await self.snippet_ids(account_id, meeting_ids, rule_ids)
        if existing:
            await self._delete_snippets(account_id, meeting_ids, rule_ids)
        created: set[str] = set()
        fresh = []
        for row in rows:
            kept = existing.get(row["id"])
            if kept is None:
                created.add(row["id"])
                fresh.append(row)
            else:
                fresh.append({**row, "created_at": kept})
        if fresh:
            await self._upsert(fresh)
        return created

    async def _upsert(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert snippets; one a concurrent writer (a sync page and a backfill batch over the
        same meeting, on PostgreSQL) committed meanwhile is overwritten, not a conflict."""
        dialect = self._session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        # One statement for every row (executemany): compiled once and cached, where a
        # multi-VALUES insert was compiled again for each batch (most of a sync page's cost).
        statement = insert(_SNIPPETS)
        kept = {c: statement.excluded[c] for c in _SNIPPET_FIELDS}
        upsert = statement.on_conflict_do_update(index_elements=["id"], set_=kept)
        await self._session.execute(upsert, list(rows))

    async def _delete_snippets(
        self, account_id: str, meeting_ids: Sequence[str], rule_ids: Sequence[str] | None
    ) -> None:
        for chunk in _chunks(list(meeting_ids)):
            query = delete(_SNIPPETS).where(
                _SNIPPETS.c.account_id == account_id, _SNIPPETS.c.meeting_id.in_(chunk)
            )
            if rule_ids is not None:
                query = query.where(_SNIPPETS.c.rule_id.in_(rule_ids))
            await self._session.execute(query)

    async def delete_meeting_snippets(self, account_id: str, meeting_ids: Sequence[str]) -> None:
        """Forget every snippet of these meetings."""
        await self._delete_snippets(account_id, meeting_ids, None)

    async def delete_rule_snippets(self, rule_id: str) -> None:
        """Forget every snippet of the rule."""
        await self._session.execute(delete(_SNIPPETS).where(_SNIPPETS.c.rule_id == rule_id))

    async def count_rule_snippets(self, rule_id: str) -> int:
        query = select(func.count()).select_from(_SNIPPETS).where(_SNIPPETS.c.rule_id == rule_id)
        return int(await self._session.scalar(query) or 0)

    # -- what a backfill reads -----------------------------------------------------------------

    async def backfill_meetings(
        self, account_ids: Sequence[str], after: tuple[str, str] | None, limit: int
    ) -> list[BackfillMeeting]:
        """The next `limit` meetings with details of these accounts, by (account, id)."""
        if not account_ids:
            return []
        query = select(
            _MEETINGS.c.account_id, _MEETINGS.c.id, _MEETINGS.c.start_time, _MEETINGS.c.duration
        ).where(_MEETINGS.c.account_id.in_(account_ids), _MEETINGS.c.has_details.is_(True))
        if after is not None:
            query = query.where(tuple_(_MEETINGS.c.account_id, _MEETINGS.c.id) > tuple_(*after))
        query = query.order_by(_MEETINGS.c.account_id, _MEETINGS.c.id).limit(limit)
        rows = await self._session.execute(query)
        return [BackfillMeeting(*row) for row in rows]

    async def entries_of(
        self, account_id: str, meeting_ids: Sequence[str]
    ) -> dict[str, list[StoredEntry]]:
        """meeting id -> its transcript entries in spoken order (only the columns matched)."""
        columns = _ENTRIES.c
        by_meeting: dict[str, list[StoredEntry]] = {m: [] for m in meeting_ids}
        for chunk in _chunks(list(meeting_ids)):
            query = (
                select(
                    columns.meeting_id,
                    columns.index,
                    columns.speaker_id,
                    columns.speaker_name,
                    columns.speaker_type,
                    columns.user_id,
                    columns.start_time,
                    columns.end_time,
                    columns.text,
                )
                .where(columns.account_id == account_id, columns.meeting_id.in_(chunk))
                .order_by(columns.meeting_id, columns.index)
            )
            result = await self._session.execute(query)
            for meeting_id, *values in result:
                by_meeting[meeting_id].append(StoredEntry(*values))
        return by_meeting

    async def meeting_starts(
        self, account_id: str, meeting_ids: Sequence[str]
    ) -> Mapping[str, datetime | None]:
        """meeting id -> its stored start time."""
        found: dict[str, datetime | None] = {}
        for chunk in _chunks(list(meeting_ids)):
            query = select(_MEETINGS.c.id, _MEETINGS.c.start_time).where(
                _MEETINGS.c.account_id == account_id, _MEETINGS.c.id.in_(chunk)
            )
            found.update((row[0], row[1]) for row in await self._session.execute(query))
        return found
