"""Keyword rules and snippets, composed: rules, the feed, the sync hook and backfills."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from procrastinate import App

from parley.insights.backfill import Backfiller
from parley.insights.backfill_queue import (
    InProcessBackfillQueue,
    ProcrastinateBackfillQueue,
    register_backfill_task,
)
from parley.insights.rules import RuleService
from parley.insights.snippet_feed import ListCursors, SnippetFeed
from parley.insights.triggers import MatcherCache, PlaybackLink, SnippetTriggers
from parley.security.signing import Signer
from parley.storage import Database

__all__ = ["KeywordServices", "playback_links"]


def playback_links(public_url: str) -> PlaybackLink:
    """A link to the stored meeting at a second (until Parley has a playback page)."""
    base = f"{public_url.rstrip('/')}/unified/conversational-intelligence/meetings"

    def link(account_id: str, meeting_id: str, seconds: float) -> str:
        query = urlencode({"integrated_account_id": account_id, "source": "store"})
        return f"{base}/{quote(meeting_id, safe='')}?{query}#t={seconds:g}"

    return link


@dataclass
class KeywordServices:
    """Everything of issue 10 part 1 that the faces and the sync hook use."""

    db: Database
    rules: RuleService
    feed: SnippetFeed
    triggers: SnippetTriggers
    backfiller: Backfiller
    #: The embedded-mode queue (None in scale mode: workers run the backfills).
    local_queue: InProcessBackfillQueue | None
    cursors: ListCursors

    @classmethod
    def build(
        cls, db: Database, signer: Signer, public_url: str, jobs: App | None
    ) -> KeywordServices:
        """In-process backfills without `jobs`; procrastinate jobs with it (scale mode)."""
        playback = playback_links(public_url)
        cache = MatcherCache()
        backfiller = Backfiller(db, playback)
        local = None if jobs is not None else InProcessBackfillQueue(db, backfiller.run)
        queue = local if local is not None else ProcrastinateBackfillQueue(jobs)  # type: ignore[arg-type]
        cursors = ListCursors(signer)
        return cls(
            db=db,
            rules=RuleService(db, queue, cache),
            feed=SnippetFeed(db, cursors, playback),
            triggers=SnippetTriggers(playback, cache),
            backfiller=backfiller,
            local_queue=local,
            cursors=cursors,
        )

    def register_tasks(self, app: App) -> None:
        """The backfill job, on a scale-mode worker's app."""
        register_backfill_task(app, self.backfiller.run, self.db)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Embedded mode: backfills run (and resume) in this process for the block."""
        if self.local_queue is None:
            yield
            return
        async with self.local_queue.running():
            yield
