"""The two full-text engines behind transcript search: SQLite FTS5 and PostgreSQL tsvector.

Each ranks matching transcript entries (best first, ties by entry id) and highlights the
ones on the page. Ranking selects ids and scores only; snippets are computed afterwards for
the page's rows alone, so their cost does not grow with the number of matches. A page
starts at a `SearchPosition`, which the faces carry in their signed cursors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import ColumnElement, Select, and_, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.storage import StoredMeeting, StoredTranscriptEntry
from parley.storage.fulltext import (
    TEXT_TSV,
    TextQuery,
    fts_match,
    fts_table,
    to_fts5,
    to_tsquery,
    tsv_match,
)
from parley.storage.scope import MeetingScope, visible_meetings

__all__ = [
    "MARK_CLOSE",
    "MARK_OPEN",
    "Fts5SearchEngine",
    "PostgresSearchEngine",
    "SearchEngine",
    "SearchFilters",
    "SearchPosition",
    "engine_for",
]

#: Private-use sentinels around matches; the service escapes the text, then turns them
#: into `<mark>` tags, so transcript text can never inject markup into a snippet.
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
_SNIPPET_TOKENS = 24


@dataclass(frozen=True)
class SearchFilters:
    """Which entries to search: accounts (required), meeting dates, speaker type and user."""

    account_ids: tuple[str, ...]
    start_time_after: datetime | None = None
    start_time_before: datetime | None = None
    speaker_type: str | None = None
    user_id: str | None = None
    #: Only entries of meetings this app user may see (`storage.scope`), inside the query.
    scope: MeetingScope | None = None


@dataclass(frozen=True)
class SearchPosition:
    """Where a page of hits starts: below entry id `before` (None: the top), `skip` hits in."""

    before: int | None = None
    skip: int = 0


Ranked = list[tuple[int, float]]


class SearchEngine(Protocol):
    """Ranks and highlights transcript entries for a parsed query."""

    async def page(
        self,
        session: AsyncSession,
        query: TextQuery,
        filters: SearchFilters,
        position: SearchPosition,
        limit: int,
    ) -> tuple[Ranked, SearchPosition | None]:
        """Up to `limit` (entry id, score) best first (higher is better), and the next start."""
        ...

    async def snippets(
        self, session: AsyncSession, query: TextQuery, ids: Sequence[int]
    ) -> dict[int, str]:
        """Entry id -> text around the matches, matches between MARK_OPEN and MARK_CLOSE."""
        ...


def _filtered(statement: Select[int, float], filters: SearchFilters) -> Select[int, float]:
    """Filters on `transcript_entries` (already in the FROM), joining meetings for dates."""
    te, m = StoredTranscriptEntry, StoredMeeting
    where: list[ColumnElement[bool]] = [te.account_id.in_(filters.account_ids)]
    if filters.speaker_type is not None:
        where.append(te.speaker_type == filters.speaker_type)
    if filters.user_id is not None:
        where.append(te.user_id == filters.user_id)
    dated = filters.start_time_after is not None or filters.start_time_before is not None
    if dated or filters.scope is not None:
        statement = statement.join(m, and_(m.account_id == te.account_id, m.id == te.meeting_id))
        if filters.scope is not None:
            where.append(visible_meetings(filters.scope))
        if filters.start_time_after is not None:
            where.append(m.start_time >= filters.start_time_after)
        if filters.start_time_before is not None:
            where.append(m.start_time <= filters.start_time_before)
    return statement.where(*where)


class Fts5SearchEngine:
    """SQLite FTS5: bm25 ranking within windows of recent matches, snippet() highlighting.

    bm25 costs a lookup per matching row, so ranking every match of a common word in a
    million entries would take hundreds of milliseconds. Matches are therefore ranked in
    windows of `window` entries, newest stored first (FTS5 walks rowids backwards and stops
    early): a query matching fewer entries is ranked exactly; a larger one shows the best of
    the most recent window first, then of the next, so every hit still appears exactly once.
    """

    def __init__(self, window: int = 4000) -> None:
        self.window = window

    async def page(
        self,
        session: AsyncSession,
        query: TextQuery,
        filters: SearchFilters,
        position: SearchPosition,
        limit: int,
    ) -> tuple[Ranked, SearchPosition | None]:
        fts5 = to_fts5(query)
        if fts5 is None or not filters.account_ids:
            return [], None
        found: Ranked = []
        before, skip = position.before, position.skip
        scoped = await self._needs_scope(session, filters)
        while True:
            room = limit - len(found)
            ranked, next_before = await self._window(
                session, fts5, filters if scoped else None, before, skip, room + 1
            )
            if len(ranked) > room:
                found += ranked[:room]
                return found, SearchPosition(before, skip + room)
            found += ranked
            if next_before is None:
                return found, None
            before, skip = next_before, 0
            if len(found) == limit:
                return found, SearchPosition(before, 0)

    @staticmethod
    async def _needs_scope(session: AsyncSession, filters: SearchFilters) -> bool:
        """False when the filters keep every entry: only accounts, and no other has meetings."""
        # The same tests as `_filtered`: a filter given (even empty) must always apply.
        given = (
            filters.speaker_type,
            filters.user_id,
            filters.start_time_after,
            filters.start_time_before,
            filters.scope,
        )
        if any(value is not None for value in given):
            return True
        m = StoredMeeting
        other = select(m.account_id).where(m.account_id.not_in(filters.account_ids)).limit(1)
        return await session.scalar(other) is not None

    async def _window(
        self,
        session: AsyncSession,
        fts5: str,
        filters: SearchFilters | None,
        before: int | None,
        skip: int,
        take: int,
    ) -> tuple[Ranked, int | None]:
        """`take` filtered matches from `skip` among the next `window` below `before`."""
        rowid = fts_table.c.rowid
        below = [fts_match(fts5)] + ([rowid < before] if before is not None else [])
        raw = select(rowid.label("id")).where(*below).order_by(rowid.desc()).limit(self.window)
        bounds = raw.subquery()
        low, count = (
            await session.execute(select(func.min(bounds.c.id), func.count()).select_from(bounds))
        ).one()
        if not count:
            return [], None
        # bm25 is lower-is-better; negated so every engine's score grows with relevance.
        bm25 = func.bm25(literal_column("transcript_fts"))
        # Materialized first, so the planner never probes the FTS index once per entry row.
        window = (
            select(rowid.label("id"), bm25.label("score"))
            .where(*below, rowid >= low)
            .cte("search_window")
            .prefix_with("MATERIALIZED")
        )
        statement: Select[int, float] = select(window.c.id, window.c.score)
        if filters is not None:
            te = StoredTranscriptEntry
            statement = _filtered(statement.join(te, te.id == window.c.id), filters)
        statement = statement.order_by(window.c.score, window.c.id).offset(skip).limit(take)
        rows = await session.execute(statement)
        ranked = [(int(entry_id), -float(score)) for entry_id, score in rows]
        return ranked, (int(low) if count == self.window else None)

    async def snippets(
        self, session: AsyncSession, query: TextQuery, ids: Sequence[int]
    ) -> dict[int, str]:
        fts5 = to_fts5(query)
        if fts5 is None or not ids:
            return {}
        snippet = func.snippet(
            literal_column("transcript_fts"), 0, MARK_OPEN, MARK_CLOSE, "…", _SNIPPET_TOKENS
        )
        rowid = fts_table.c.rowid
        # A rowid range walks the doclist once; `rowid IN (…)` alone would seek it per id.
        # (`rowid + 0` keeps the IN list from being offered to FTS5 as an equality.)
        rows = await session.execute(
            select(rowid, snippet).where(
                fts_match(fts5),
                rowid.between(min(ids), max(ids)),
                (rowid + 0).in_(list(ids)),
            )
        )
        return {int(entry_id): str(text) for entry_id, text in rows}


class PostgresSearchEngine:
    """PostgreSQL full-text: ts_rank over the GIN-indexed tsvector, ts_headline snippets."""

    _HEADLINE = (
        f'StartSel="{MARK_OPEN}", StopSel="{MARK_CLOSE}", MaxWords=30, MinWords=12, '
        'MaxFragments=2, FragmentDelimiter=" … "'
    )

    async def page(
        self,
        session: AsyncSession,
        query: TextQuery,
        filters: SearchFilters,
        position: SearchPosition,
        limit: int,
    ) -> tuple[Ranked, SearchPosition | None]:
        tsquery = to_tsquery(query)
        if tsquery is None or not filters.account_ids:
            return [], None
        te = StoredTranscriptEntry
        # A scalar subquery is evaluated once (an InitPlan), and the GIN index can use it.
        parsed = select(tsquery).scalar_subquery()
        score = func.ts_rank(TEXT_TSV, parsed)
        statement: Select[int, float] = select(te.id, score).where(tsv_match(parsed))
        statement = _filtered(statement, filters).order_by(score.desc(), te.id)
        rows = await session.execute(statement.offset(position.skip).limit(limit + 1))
        ranked = [(int(entry_id), float(value)) for entry_id, value in rows]
        more = len(ranked) > limit
        return ranked[:limit], (SearchPosition(None, position.skip + limit) if more else None)

    async def snippets(
        self, session: AsyncSession, query: TextQuery, ids: Sequence[int]
    ) -> dict[int, str]:
        tsquery = to_tsquery(query)
        if tsquery is None or not ids:
            return {}
        te = StoredTranscriptEntry
        headline = func.ts_headline("english", te.text, tsquery, self._HEADLINE)
        rows = await session.execute(select(te.id, headline).where(te.id.in_(list(ids))))
        return {int(entry_id): str(text) for entry_id, text in rows}


def engine_for(dialect: str) -> SearchEngine:
    """The engine of a database dialect (`sqlite` or `postgresql`)."""
    return Fts5SearchEngine() if dialect == "sqlite" else PostgresSearchEngine()
