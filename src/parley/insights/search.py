"""Transcript search: one interface over SQLite FTS5 (embedded) and PostgreSQL (scale mode).

`TranscriptSearch.search` parses the user's text (never a syntax error, see
`parley.storage.fulltext`), ranks matching transcript entries best first through the
database's engine, and returns hits with the meeting, speaker, start and end seconds, an
HTML-safe snippet with `<mark>` around the matches and a Parley link that plays the
recording from that second.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.insights.search_engines import (
    MARK_CLOSE,
    MARK_OPEN,
    SearchEngine,
    SearchFilters,
    SearchPosition,
    engine_for,
)
from parley.providers.base import MediaKind
from parley.storage import Database, StoredMeeting, StoredTranscriptEntry
from parley.storage.fulltext import parse_text_query
from parley.unified.base import Seconds, UtcDateTime

__all__ = [
    "PlaybackLinks",
    "SearchFilters",
    "SearchHit",
    "SearchPosition",
    "SearchResult",
    "TranscriptSearch",
    "highlight",
    "seconds_param",
]

#: (account id, meeting id, media kind, app user id or "") -> a recording link (no `t` yet);
#: a scoped search binds its links to its app user (`accounts.media_links`).
PlaybackLinks = Callable[[str, str, MediaKind, str], str]


class SearchHit(BaseModel):
    """One matching transcript entry."""

    integrated_account_id: str
    meeting_id: str
    meeting_title: str | None
    meeting_start_time: UtcDateTime | None
    index: int
    speaker_name: str | None
    speaker_type: str
    user_id: str | None
    start_time: Seconds | None
    end_time: Seconds | None
    text: str
    snippet: str
    playback_url: str | None
    score: float


class SearchResult(BaseModel):
    """A page of hits, best first, and where the next page starts (None: the end)."""

    hits: list[SearchHit]
    next_position: SearchPosition | None


def highlight(marked: str) -> str:
    """HTML-escape engine output, then turn its sentinels into `<mark>` tags."""
    escaped = html.escape(marked, quote=False)
    return escaped.replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>")


def seconds_param(seconds: float) -> str:
    """Seconds as a short decimal (`75`, `75.4`): media fragment and `t` parameter style."""
    return f"{max(seconds, 0.0):.1f}".removesuffix(".0")


class TranscriptSearch:
    """Ranked full-text search over stored transcript entries."""

    def __init__(
        self,
        db: Database,
        *,
        playback: PlaybackLinks | None = None,
        engine: SearchEngine | None = None,
    ) -> None:
        self._db = db
        self._engine = engine or engine_for(db.dialect)
        self._playback = playback

    async def search(
        self,
        text: str,
        filters: SearchFilters,
        *,
        position: SearchPosition | None = None,
        limit: int = 20,
    ) -> SearchResult:
        """Hits for `text` within `filters`, best first, `limit` from `position`."""
        query = parse_text_query(text)
        start = position or SearchPosition()
        async with self._db.session() as session:
            page, following = await self._engine.page(session, query, filters, start, limit)
            ids = [entry_id for entry_id, _ in page]
            snippets = await self._engine.snippets(session, query, ids)
            details = await _details(session, ids)
        # A scoped search's links are bound to its app user (the redirect checks them again).
        who = "" if filters.scope is None else filters.scope.app_user_id
        hits = [
            self._hit(details[entry_id], snippets.get(entry_id), score, who)
            for entry_id, score in page
            if entry_id in details
        ]
        return SearchResult(hits=hits, next_position=following)

    def _hit(self, row: dict[str, Any], marked: str | None, score: float, who: str) -> SearchHit:
        start = row["start_time"]
        return SearchHit(
            integrated_account_id=row["account_id"],
            meeting_id=row["meeting_id"],
            meeting_title=row["title"],
            meeting_start_time=row["meeting_start"],
            index=row["index"],
            speaker_name=row["speaker_name"],
            speaker_type=row["speaker_type"],
            user_id=row["user_id"],
            start_time=start,
            end_time=row["end_time"],
            text=row["text"],
            snippet=highlight(marked if marked is not None else row["text"]),
            playback_url=self._playback_url(row, start, who),
            score=score,
        )

    def _playback_url(self, row: dict[str, Any], start: float | None, who: str) -> str | None:
        kind: MediaKind | None = None
        if row["video"]:
            kind = "video"
        elif row["audio"]:
            kind = "audio"
        if self._playback is None or kind is None:
            return None
        link = self._playback(row["account_id"], row["meeting_id"], kind, who)
        if start is None:
            return link
        return f"{link}{'&' if '?' in link else '?'}t={seconds_param(start)}"


async def _details(session: AsyncSession, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    te, m = StoredTranscriptEntry, StoredMeeting
    rows = await session.execute(
        select(
            te.id,
            te.account_id,
            te.meeting_id,
            te.index,
            te.speaker_name,
            te.speaker_type,
            te.user_id,
            te.start_time,
            te.end_time,
            te.text,
            m.title,
            m.start_time.label("meeting_start"),
            m.data["video_recording_url"].as_string().label("video"),
            m.data["audio_recording_url"].as_string().label("audio"),
        )
        .join(m, and_(m.account_id == te.account_id, m.id == te.meeting_id))
        .where(te.id.in_(list(ids)))
    )
    return {int(row.id): dict(row._mapping) for row in rows}
