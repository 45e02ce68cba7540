"""Keyword rules: create, list, get, change, delete; each change that needs it re-scans.

- Creating a rule, or changing its `phrases`, `speaker_type`, `context_seconds` or account,
  bumps its version and queues a backfill over the stored copy (`backfill.status` queued).
- Disabling a rule stops its matching and removes its snippets; enabling it again re-scans.
- Renaming it, or changing `notify_backfill`, re-scans nothing.
- Deleting it deletes its snippets.
"""

from __future__ import annotations

import builtins
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from parley.errors import InvalidRequestError, NotFoundError
from parley.insights.backfill_queue import BackfillQueue
from parley.insights.keywords import MAX_CONTEXT_SECONDS, validate_phrases
from parley.insights.triggers import MatcherCache
from parley.storage import Database, KeywordRuleRow, new_id, utcnow
from parley.storage.repositories.keywords import KeywordRepository, RuleKey

__all__ = ["UNSET", "BackfillView", "RuleChange", "RuleService", "RuleView"]

MAX_NAME = 200
DEFAULT_CONTEXT_SECONDS = 15.0
SPEAKER_TYPES = ("any", "user", "guest")
#: A PATCH field that was not sent.
UNSET: Any = object()


class BackfillView(BaseModel):
    """The latest re-scan of the stored copy."""

    status: Literal["queued", "running", "completed", "failed"]
    meetings_scanned: int
    snippets: int
    started_at: datetime | None
    finished_at: datetime | None
    error: dict[str, Any] | None


class RuleView(BaseModel):
    """A keyword rule as the API shows it."""

    id: str
    name: str
    phrases: list[str]
    integrated_account_id: str | None
    speaker_type: Literal["any", "user", "guest"]
    context_seconds: float
    enabled: bool
    notify_backfill: bool
    created_at: datetime
    updated_at: datetime
    backfill: BackfillView

    @classmethod
    def of(cls, row: KeywordRuleRow) -> RuleView:
        return cls(
            id=row.id,
            name=row.name,
            phrases=list(row.phrases),
            integrated_account_id=row.account_id,
            speaker_type=row.speaker_type,
            context_seconds=row.context_seconds,
            enabled=row.enabled,
            notify_backfill=row.notify_backfill,
            created_at=row.created_at,
            updated_at=row.updated_at,
            backfill=BackfillView(
                status=row.backfill_status,
                meetings_scanned=row.backfill_meetings_scanned,
                snippets=row.backfill_snippets,
                started_at=row.backfill_started_at,
                finished_at=row.backfill_finished_at,
                error=row.backfill_error,
            ),
        )


@dataclass(frozen=True)
class RuleChange:
    """The fields of a create or a PATCH (`UNSET`: not sent)."""

    name: Any = UNSET
    phrases: Any = UNSET
    integrated_account_id: Any = UNSET
    speaker_type: Any = UNSET
    context_seconds: Any = UNSET
    enabled: Any = UNSET
    notify_backfill: Any = UNSET

    def sent(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not UNSET}


def _not_found(rule_id: str) -> NotFoundError:
    return NotFoundError(f"No keyword rule {rule_id} for this key.", code="keyword_rule_not_found")


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > MAX_NAME:
        raise InvalidRequestError(
            f"name must be a non-empty string of at most {MAX_NAME} characters.", param="name"
        )
    return value.strip()


def _phrases(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise InvalidRequestError("phrases must be a list of 1 to 100 strings.", param="phrases")
    try:
        return list(validate_phrases(value))
    except ValueError as error:
        message = str(error)
        param = message.split(":", 1)[0] if message.startswith("phrases[") else "phrases"
        raise InvalidRequestError(message, param=param) from None


def _speaker(value: Any) -> str:
    if value not in SPEAKER_TYPES:
        raise InvalidRequestError(
            "speaker_type must be `any`, `user` (internal) or `guest`.", param="speaker_type"
        )
    return str(value)


def _context(value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 <= value <= MAX_CONTEXT_SECONDS
    ):
        raise InvalidRequestError(
            f"context_seconds must be a number from 0 to {MAX_CONTEXT_SECONDS}.",
            param="context_seconds",
        )
    return float(value)


def _flag(value: Any, param: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidRequestError(f"{param} must be true or false.", param=param)
    return value


class RuleService:
    """A tenant's keyword rules; another tenant's rule is not found."""

    def __init__(self, db: Database, backfills: BackfillQueue, cache: MatcherCache) -> None:
        self._db = db
        self._backfills = backfills
        self._cache = cache

    async def _checked_account(self, repo: KeywordRepository, tenant_id: str, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str) or value not in await repo.tenant_accounts(tenant_id):
            raise InvalidRequestError(
                "integrated_account_id must be one of your integrated accounts, or null for "
                "all of them.",
                param="integrated_account_id",
            )
        return value

    async def create(self, tenant_id: str, change: RuleChange) -> RuleView:
        """A new rule; its backfill is queued."""
        if change.name is UNSET:
            raise InvalidRequestError("name is required.", param="name")
        if change.phrases is UNSET:
            raise InvalidRequestError("phrases is required.", param="phrases")
        now = utcnow()
        account = None if change.integrated_account_id is UNSET else change.integrated_account_id
        speaker = "any" if change.speaker_type is UNSET else change.speaker_type
        context = (
            DEFAULT_CONTEXT_SECONDS if change.context_seconds is UNSET else change.context_seconds
        )
        enabled = True if change.enabled is UNSET else change.enabled
        notify = False if change.notify_backfill is UNSET else change.notify_backfill
        async with self._db.session() as session:
            repo = KeywordRepository(session)
            row = KeywordRuleRow(
                id=new_id(),
                tenant_id=tenant_id,
                name=_name(change.name),
                phrases=_phrases(change.phrases),
                account_id=await self._checked_account(repo, tenant_id, account),
                speaker_type=_speaker(speaker),
                context_seconds=_context(context),
                enabled=_flag(enabled, "enabled"),
                notify_backfill=_flag(notify, "notify_backfill"),
                version=1,
                created_at=now,
                updated_at=now,
                backfill_status="queued" if enabled else "completed",
                backfill_meetings_scanned=0,
                backfill_snippets=0,
            )
            await repo.add_rule(row)
            view = RuleView.of(row)
        self._cache.clear()
        if row.enabled:
            await self._backfills.enqueue(row.id, row.version)
        return view

    async def list(
        self, tenant_id: str, *, after: RuleKey | None, limit: int
    ) -> tuple[builtins.list[RuleView], RuleKey | None]:
        """A page of the tenant's rules, oldest first, and where the next one starts."""
        async with self._db.session() as session:
            rows = await KeywordRepository(session).rules(tenant_id, after=after, limit=limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        following = (rows[-1].created_at, rows[-1].id) if more and rows else None
        return [RuleView.of(row) for row in rows], following

    async def get(self, tenant_id: str, rule_id: str) -> RuleView:
        """One rule of the tenant, with its backfill's progress."""
        async with self._db.session() as session:
            row = await KeywordRepository(session).rule(tenant_id, rule_id)
            if row is None:
                raise _not_found(rule_id)
            return RuleView.of(row)

    async def update(self, tenant_id: str, rule_id: str, change: RuleChange) -> RuleView:
        """Change what was sent; a change of what matches re-scans the stored copy."""
        sent = change.sent()
        async with self._db.session() as session:
            repo = KeywordRepository(session)
            row = await repo.rule(tenant_id, rule_id)
            if row is None:
                raise _not_found(rule_id)
            before = (tuple(row.phrases), row.speaker_type, row.context_seconds, row.account_id)
            was_enabled = row.enabled
            if "name" in sent:
                row.name = _name(sent["name"])
            if "phrases" in sent:
                row.phrases = _phrases(sent["phrases"])
            if "integrated_account_id" in sent:
                row.account_id = await self._checked_account(
                    repo, tenant_id, sent["integrated_account_id"]
                )
            if "speaker_type" in sent:
                row.speaker_type = _speaker(sent["speaker_type"])
            if "context_seconds" in sent:
                row.context_seconds = _context(sent["context_seconds"])
            if "enabled" in sent:
                row.enabled = _flag(sent["enabled"], "enabled")
            if "notify_backfill" in sent:
                row.notify_backfill = _flag(sent["notify_backfill"], "notify_backfill")
            after = (tuple(row.phrases), row.speaker_type, row.context_seconds, row.account_id)
            rescan = row.enabled and (before != after or not was_enabled)
            if not row.enabled and was_enabled:
                await repo.delete_rule_snippets(row.id)
                if row.backfill_status in ("queued", "running"):
                    # It stops at its next batch; say so rather than `running` for ever.
                    row.backfill_status = "failed"
                    row.backfill_finished_at = utcnow()
                    row.backfill_error = {
                        "code": "rule_disabled",
                        "message": "The rule was disabled before its backfill finished.",
                    }
            if rescan:
                if before[3] != after[3]:
                    await repo.delete_rule_snippets(row.id)
                row.version += 1
                row.backfill_status = "queued"
                row.backfill_meetings_scanned = 0
                row.backfill_snippets = 0
                row.backfill_position = None
                row.backfill_started_at = None
                row.backfill_finished_at = None
                row.backfill_error = None
            row.updated_at = utcnow()
            await session.flush()
            view = RuleView.of(row)
            version = row.version
        self._cache.clear()
        if rescan:
            await self._backfills.enqueue(rule_id, version)
        return view

    async def delete(self, tenant_id: str, rule_id: str) -> None:
        """Forget the rule and its snippets."""
        async with self._db.session() as session:
            if not await KeywordRepository(session).delete_rule(tenant_id, rule_id):
                raise _not_found(rule_id)
        self._cache.clear()
