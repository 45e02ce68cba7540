"""Snippets computed where meetings are stored: in the sync transaction and in backfills.

`SnippetTriggers.on_meetings_stored` runs inside the transaction that stores a page of
meetings (the sync's page hook): for the new and changed meetings it matches every enabled
rule that applies to the account in ONE pass per meeting (one Aho-Corasick automaton for
all of them, compiled once per tenant, account and rules version, and kept), replaces each
meeting's snippets (an id still matching is kept, with its `created_at`) and records a
`keyword.matched` event in the same outbox for each snippet it created. An unchanged meeting
gives the same snippet ids, so it sends nothing; a deleted meeting's snippets go.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from parley.insights.keywords import KeywordMatcher, KeywordRule, SpeakerFilter
from parley.insights.snippets import ContextEntry, Snippet, SnippetEntry, build_snippets
from parley.storage import KeywordRuleRow, utcnow
from parley.storage.page_hooks import PageContext
from parley.storage.repositories.events import EventRepository
from parley.storage.repositories.keywords import KeywordRepository, StoredEntry
from parley.storage.repositories.store_records import MeetingRecord
from parley.unified import Meeting

__all__ = [
    "EPOCH",
    "MATCHED_EVENT",
    "MatcherCache",
    "PlaybackLink",
    "RuleInfo",
    "SnippetTriggers",
    "compile_rules",
    "meeting_snippets",
    "snippet_json",
    "snippet_row",
]

MATCHED_EVENT = "keyword.matched"
#: The feed sorts a meeting without a start time as if it started then (last).
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: (account id, meeting id, seconds into it) -> the snippet's `playback_url`.
PlaybackLink = Callable[[str, str, float], str]


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What a snippet shows of its rule besides the id."""

    name: str


def keyword_rule(row: KeywordRuleRow) -> KeywordRule:
    """The pure rule of a stored one."""
    return KeywordRule(
        id=row.id,
        name=row.name,
        phrases=tuple(row.phrases),
        speaker_type=cast(SpeakerFilter, row.speaker_type),
        context_seconds=row.context_seconds,
    )


def compile_rules(rows: Iterable[KeywordRuleRow]) -> tuple[KeywordMatcher, dict[str, RuleInfo]]:
    """One matcher for these rules, and their names by id."""
    listed = list(rows)
    matcher = KeywordMatcher.compile(keyword_rule(row) for row in listed)
    return matcher, {row.id: RuleInfo(row.name) for row in listed}


class MatcherCache:
    """Compiled matchers per (tenant, account), valid while the rules' version holds."""

    def __init__(self) -> None:
        self._compiled: dict[
            tuple[str, str], tuple[object, KeywordMatcher, dict[str, RuleInfo]]
        ] = {}

    async def matcher(
        self, repo: KeywordRepository, tenant_id: str, account_id: str
    ) -> tuple[KeywordMatcher, dict[str, RuleInfo]] | None:
        """The matcher of the enabled rules applying to the account (None: there are none)."""
        version = await repo.rules_version(tenant_id, account_id)
        if version[0] == 0:
            self._compiled.pop((tenant_id, account_id), None)
            return None
        cached = self._compiled.get((tenant_id, account_id))
        if cached is not None and cached[0] == version:
            return cached[1], cached[2]
        matcher, info = compile_rules(await repo.applying_rules(tenant_id, account_id))
        self._compiled[(tenant_id, account_id)] = (version, matcher, info)
        return matcher, info

    def clear(self) -> None:
        """Forget every compiled matcher (a rule changed in this process)."""
        self._compiled.clear()


def meeting_snippets(
    matcher: KeywordMatcher,
    entries: Sequence[SnippetEntry],
    *,
    account_id: str,
    meeting_id: str,
    duration: float | None,
) -> list[Snippet]:
    """The snippets of every rule of the matcher in one meeting (one pass over its text)."""
    if not entries:
        return []
    matches = matcher.matches(entries)
    if not matches:
        return []
    return build_snippets(
        matcher.rules,
        matches,
        entries,
        account_id=account_id,
        meeting_id=meeting_id,
        duration=duration,
    )


def snippet_row(
    snippet: Snippet,
    *,
    tenant_id: str,
    meeting_start: datetime | None,
    users: Mapping[str | None, str | None],
    now: datetime,
) -> dict[str, Any]:
    """A `snippets` row; `users` maps speaker ids to user ids."""
    return {
        "id": snippet.id,
        "tenant_id": tenant_id,
        "rule_id": snippet.rule_id,
        "account_id": snippet.account_id,
        "meeting_id": snippet.meeting_id,
        "meeting_sort": meeting_start or EPOCH,
        "phrases": list(snippet.phrases),
        "entry_indexes": list(snippet.entry_indexes),
        "speaker_name": snippet.speaker_name,
        "speaker_type": snippet.speaker_type,
        "user_id": users.get(snippet.speaker_id),
        "start_time": snippet.start_time,
        "end_time": snippet.end_time,
        "text": snippet.text,
        "highlight": snippet.highlight,
        "context": [_context_json(entry) for entry in snippet.context],
        "created_at": now,
    }


def _context_json(entry: ContextEntry) -> dict[str, Any]:
    # What dataclasses.asdict gives, without its deep copy of every field (a hot path).
    return {
        "index": entry.index,
        "speaker_name": entry.speaker_name,
        "speaker_type": entry.speaker_type,
        "start_time": entry.start_time,
        "end_time": entry.end_time,
        "text": entry.text,
    }


def snippet_json(
    row: Mapping[str, Any],
    *,
    rule_name: str,
    meeting_title: str | None,
    meeting_start_time: datetime | None,
    playback: PlaybackLink,
) -> dict[str, Any]:
    """The API's Snippet (insights.md §1) of a stored row."""
    created = row["created_at"]
    return {
        "id": row["id"],
        "rule_id": row["rule_id"],
        "rule_name": rule_name,
        "integrated_account_id": row["account_id"],
        "meeting_id": row["meeting_id"],
        "meeting_title": meeting_title,
        "meeting_start_time": None
        if meeting_start_time is None
        else meeting_start_time.isoformat(),
        "phrases": list(row["phrases"]),
        "entry_indexes": list(row["entry_indexes"]),
        "speaker_name": row["speaker_name"],
        "speaker_type": row["speaker_type"],
        "user_id": row["user_id"],
        "start_time": row["start_time"],
        "end_time": row["end_time"],
        "text": row["text"],
        "highlight": row["highlight"],
        "context": list(row["context"]),
        "playback_url": playback(row["account_id"], row["meeting_id"], row["start_time"]),
        "created_at": created.isoformat() if isinstance(created, datetime) else created,
    }


def _said(
    item: Meeting | MeetingRecord,
) -> tuple[Meeting, Sequence[SnippetEntry], dict[str | None, str | None]]:
    """The meeting, its transcript entries and its speakers' user ids."""
    if isinstance(item, MeetingRecord):
        entries = [StoredEntry(*entry) for entry in item.entries]
        return item.meeting, entries, {e.speaker_id: e.user_id for e in entries}
    users: dict[str | None, str | None] = {s.speaker_id: s.user_id for s in item.speakers or ()}
    return item, item.transcript or (), users


class SnippetTriggers:
    """Keeps snippets in step with the stored meetings, inside the caller's transaction."""

    def __init__(self, playback: PlaybackLink, cache: MatcherCache | None = None) -> None:
        self.playback = playback
        self.cache = cache or MatcherCache()

    async def on_page(self, session: AsyncSession, page: PageContext) -> None:
        """The sync page hook: the page's new or changed meetings get their snippets
        recomputed, its deleted meetings lose theirs."""
        await self.on_meetings_stored(
            session,
            tenant_id=page.tenant_id,
            account_id=page.account_id,
            meetings=[changed.record for changed in page.changed],
            deleted_ids=page.deleted_ids,
        )

    async def on_meetings_stored(
        self,
        session: AsyncSession,
        *,
        tenant_id: str,
        account_id: str,
        meetings: Sequence[Meeting | MeetingRecord],
        deleted_ids: Sequence[str],
    ) -> int:
        """Recompute the snippets of these new or changed meetings; drop the deleted ones'.

        `meetings`: the store writer's `MeetingRecord`s (their lean meeting and `entries`
        tuples; what `_commit` holds) or unified meetings with their transcripts. A meeting
        without a transcript has no snippets: a lean `Meeting` (transcript None) passed by
        mistake would drop its snippets, so pass records when that is what you have.
        Returns how many snippets were created (each with its `keyword.matched` event).
        """
        repo = KeywordRepository(session)
        if deleted_ids:
            await repo.delete_meeting_snippets(account_id, list(deleted_ids))
        if not meetings:
            return 0
        compiled = await self.cache.matcher(repo, tenant_id, account_id)
        if compiled is None:
            return 0
        matcher, info = compiled
        now = utcnow()
        rows: list[dict[str, Any]] = []
        starts: dict[str, Meeting] = {}
        for item in meetings:
            meeting, entries, users = _said(item)
            starts[meeting.id] = meeting
            found = meeting_snippets(
                matcher,
                entries,
                account_id=account_id,
                meeting_id=meeting.id,
                duration=meeting.duration,
            )
            rows.extend(
                snippet_row(
                    s, tenant_id=tenant_id, meeting_start=meeting.start_time, users=users, now=now
                )
                for s in found
            )
        rule_ids = [rule.id for rule in matcher.rules]
        created = await repo.replace_snippets(account_id, list(starts), rule_ids, rows)
        datas = [
            snippet_json(
                row,
                rule_name=info[row["rule_id"]].name,
                meeting_title=starts[row["meeting_id"]].title,
                meeting_start_time=starts[row["meeting_id"]].start_time,
                playback=self.playback,
            )
            for row in rows
            if row["id"] in created
        ]
        await EventRepository(session).record_many(
            tenant_id, MATCHED_EVENT, datas, account_id=account_id
        )
        return len(created)
