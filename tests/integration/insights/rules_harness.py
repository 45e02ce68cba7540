"""Keyword-rule test helpers: sync, read the stored meetings back, look at snippets/events."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from parley.insights.keyword_services import KeywordServices
from parley.insights.keywords import normalise_text
from parley.insights.rules import RuleChange, RuleView
from parley.reads.store import StoreReader
from parley.sandbox.server import SandboxServer
from parley.storage import Database, Event, SnippetRow, StoredMeeting, StoredTranscriptEntry
from parley.storage.repositories.store_records import MeetingRecord
from parley.sync import RunExecutor, SyncRuns
from parley.unified import Meeting


class QueuedBackfills:
    """A backfill queue that only notes what was queued."""

    def __init__(self) -> None:
        self.queued: list[tuple[str, int]] = []

    async def enqueue(self, rule_id: str, version: int) -> None:
        self.queued.append((rule_id, version))


@dataclass
class RulesHarness:
    db: Database
    sandbox: SandboxServer
    runs: SyncRuns
    #: (without hooks, with the keyword triggers as the page hook)
    executors: tuple[RunExecutor, RunExecutor]
    keywords: KeywordServices
    reader: StoreReader
    tenant_id: str
    account_id: str

    async def sync(self, *, full: bool = True, hooked: bool = False) -> None:
        view, _ = await self.runs.create(self.tenant_id, self.account_id, full=full)
        done = await self.executors[hooked].execute(view.id)
        assert done.status.value == "completed", done.errors

    async def stored_meetings(self, ids: list[str] | None = None) -> list[Meeting]:
        """Stored meetings with details, read back as unified Meetings (transcripts too)."""
        if ids is None:
            async with self.db.session() as session:
                ids = list(
                    await session.scalars(
                        select(StoredMeeting.id).where(
                            StoredMeeting.account_id == self.account_id,
                            StoredMeeting.has_details.is_(True),
                        )
                    )
                )
        return [await self.reader.get_meeting(self.account_id, i) for i in sorted(ids)]

    async def store(
        self, meetings: Sequence[Meeting | MeetingRecord], deleted: tuple[str, ...] = ()
    ) -> int:
        """Call the sync hook in one transaction, as the store writer will."""
        async with self.db.session() as session:
            return await self.keywords.triggers.on_meetings_stored(
                session,
                tenant_id=self.tenant_id,
                account_id=self.account_id,
                meetings=meetings,
                deleted_ids=list(deleted),
            )

    async def create_rule(self, **fields: Any) -> RuleView:
        return await self.keywords.rules.create(self.tenant_id, RuleChange(**fields))

    async def snippets(self) -> list[SnippetRow]:
        async with self.db.session() as session:
            rows = await session.scalars(select(SnippetRow).order_by(SnippetRow.id))
            return list(rows)

    async def matched_events(self) -> list[dict[str, Any]]:
        async with self.db.session() as session:
            rows = await session.scalars(
                select(Event).where(Event.type == "keyword.matched").order_by(Event.created_at)
            )
            return [e.payload["data"] for e in rows]

    async def meeting_events(self) -> list[str]:
        """Ids of the meetings that `meeting.created` / `meeting.updated` events name."""
        async with self.db.session() as session:
            rows = await session.scalars(
                select(Event).where(Event.type.in_(("meeting.created", "meeting.updated")))
            )
            return [e.payload["data"]["id"] for e in rows]

    async def word_said_once(self) -> tuple[str, str, int]:
        """(word, meeting id, entry index) of a long word said in exactly one entry."""
        async with self.db.session() as session:
            rows = (
                await session.execute(
                    select(
                        StoredTranscriptEntry.meeting_id,
                        StoredTranscriptEntry.index,
                        StoredTranscriptEntry.text,
                    ).where(StoredTranscriptEntry.account_id == self.account_id)
                )
            ).all()
        seen: Counter[str] = Counter()
        where: dict[str, tuple[str, int]] = {}
        for meeting_id, index, text in rows:
            for word in set(normalise_text(text).split()):
                seen[word] += 1
                where[word] = (meeting_id, index)
        once = sorted(w for w, n in seen.items() if n == 1 and len(w) >= 7 and w.isalpha())
        assert once, "the sandbox data has no word said once"
        word = once[0]
        return word, *where[word]
