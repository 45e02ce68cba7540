"""Insights over the synced copy: transcript search (FTS5 | tsvector)."""

from __future__ import annotations

from parley.insights.search import (
    PlaybackLinks,
    SearchFilters,
    SearchHit,
    SearchPosition,
    SearchResult,
    TranscriptSearch,
)

__all__ = [
    "PlaybackLinks",
    "SearchFilters",
    "SearchHit",
    "SearchPosition",
    "SearchResult",
    "TranscriptSearch",
]
