"""Backfills: one rule re-evaluated over the stored copy, in batches, with visible progress.

A backfill scans the stored meetings that have a transcript, by (account, meeting id), in
batches of `BATCH` meetings. Each batch is one transaction: it reads only the transcript
entry columns matching needs (never whole meetings), replaces the rule's snippets of those
meetings (ids still matching are kept) and moves the rule's progress (`backfill_position`,
`meetings_scanned`, `snippets`) on. So an interrupted backfill (a stopped process, a
SIGKILL) resumes after the last committed batch, and a batch done twice writes the same
snippets again: snippet ids are stable, there is never a duplicate.

A backfill belongs to one version of the rule: a later change needing a re-scan bumps the
version, and the older backfill stops at its next batch without writing it. Backfills send
no `keyword.matched` events unless the rule says `notify_backfill`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from parley.errors import ParleyError
from parley.insights.triggers import (
    MATCHED_EVENT,
    PlaybackLink,
    compile_rules,
    meeting_snippets,
    snippet_json,
    snippet_row,
)
from parley.storage import Database, KeywordRuleRow, utcnow
from parley.storage.repositories.events import EventRepository
from parley.storage.repositories.keywords import BackfillMeeting, KeywordRepository
from parley.storage.tables_store import StoredMeeting

__all__ = ["BATCH", "BackfillOutcome", "Backfiller"]

log = logging.getLogger("parley.insights")

#: Meetings per backfill transaction.
BATCH = 200


@dataclass(frozen=True, slots=True)
class BackfillOutcome:
    """How a backfill call ended: `completed`, `failed`, or `superseded` (a newer version)."""

    status: str
    meetings_scanned: int
    snippets: int


class Backfiller:
    """Runs the backfill of one rule version to its end."""

    def __init__(self, db: Database, playback: PlaybackLink, *, batch: int = BATCH) -> None:
        self._db = db
        self._playback = playback
        self._batch = batch

    async def run(self, rule_id: str, version: int) -> BackfillOutcome:
        """Scan what is left of the rule's stored copy; a crash marks the backfill failed."""
        try:
            return await self._run(rule_id, version)
        except Exception as exc:
            log.exception("backfill of keyword rule %s failed", rule_id)
            message = exc.message if isinstance(exc, ParleyError) else type(exc).__name__
            async with self._db.session() as session:
                rule = await KeywordRepository(session).rule_by_id(rule_id)
                if rule is not None and rule.version == version:
                    rule.backfill_status = "failed"
                    rule.backfill_finished_at = utcnow()
                    rule.backfill_error = {"code": "backfill_failed", "message": message}
            return BackfillOutcome("failed", 0, 0)

    async def _run(self, rule_id: str, version: int) -> BackfillOutcome:
        async with self._db.session() as session:
            repo = KeywordRepository(session)
            rule = await repo.rule_by_id(rule_id)
            if rule is None or rule.version != version:
                return BackfillOutcome("superseded", 0, 0)
            if rule.backfill_status == "completed":
                return _outcome(rule)
            accounts = (
                [rule.account_id]
                if rule.account_id is not None
                else await repo.tenant_accounts(rule.tenant_id)
            )
            if rule.backfill_status != "running":
                rule.backfill_status = "running"
                rule.backfill_started_at = utcnow()
        while True:
            async with self._db.session() as session:
                repo = KeywordRepository(session)
                rule = await repo.rule_by_id(rule_id)
                if rule is None or rule.version != version or not rule.enabled:
                    return BackfillOutcome("superseded", 0, 0)
                position = rule.backfill_position
                after = (position[0], position[1]) if position else None
                meetings = await repo.backfill_meetings(accounts, after, self._batch)
                if not meetings:
                    rule.backfill_snippets = await repo.count_rule_snippets(rule_id)
                    rule.backfill_status = "completed"
                    rule.backfill_finished_at = utcnow()
                    return _outcome(rule)
                found = await self._scan(repo, rule, meetings)
                last = meetings[-1]
                rule.backfill_position = [last.account_id, last.id]
                rule.backfill_meetings_scanned += len(meetings)
                rule.backfill_snippets += found

    async def _scan(
        self, repo: KeywordRepository, rule: KeywordRuleRow, meetings: Sequence[BackfillMeeting]
    ) -> int:
        """Replace the rule's snippets of these meetings; how many there are now."""
        matcher, _ = compile_rules([rule])
        by_account: dict[str, list[BackfillMeeting]] = {}
        for meeting in meetings:
            by_account.setdefault(meeting.account_id, []).append(meeting)
        now = utcnow()
        total = 0
        for account_id, listed in by_account.items():
            ids = [m.id for m in listed]
            entries = await repo.entries_of(account_id, ids)
            rows: list[dict[str, Any]] = []
            for meeting in listed:
                said = entries[meeting.id]
                users: dict[str | None, str | None] = {e.speaker_id: e.user_id for e in said}
                found = meeting_snippets(
                    matcher,
                    said,
                    account_id=account_id,
                    meeting_id=meeting.id,
                    duration=meeting.duration,
                )
                rows.extend(
                    snippet_row(
                        s,
                        tenant_id=rule.tenant_id,
                        meeting_start=meeting.start_time,
                        users=users,
                        now=now,
                    )
                    for s in found
                )
            created = await repo.replace_snippets(account_id, ids, [rule.id], rows)
            total += len(rows)
            if rule.notify_backfill and created:
                await self._notify(repo, rule, account_id, rows, created)
        return total

    async def _notify(
        self,
        repo: KeywordRepository,
        rule: KeywordRuleRow,
        account_id: str,
        rows: Sequence[dict[str, Any]],
        created: set[str],
    ) -> None:
        session = repo.session
        events = EventRepository(session)
        for row in rows:
            if row["id"] not in created:
                continue
            meeting = await session.get(StoredMeeting, (account_id, row["meeting_id"]))
            data = snippet_json(
                row,
                rule_name=rule.name,
                meeting_title=None if meeting is None else meeting.title,
                meeting_start_time=None if meeting is None else meeting.start_time,
                playback=self._playback,
            )
            await events.record(rule.tenant_id, MATCHED_EVENT, data, account_id=account_id)


def _outcome(rule: KeywordRuleRow) -> BackfillOutcome:
    return BackfillOutcome(
        rule.backfill_status, rule.backfill_meetings_scanned, rule.backfill_snippets
    )
