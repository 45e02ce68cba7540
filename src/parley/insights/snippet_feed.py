"""The snippet feed and the keyword rules list, paged with signed keyset cursors (ADR 0003).

A cursor carries the sort key of the last item of its page and a digest of the tenant and
filters it was made for: a forged cursor, or one replayed with other filters, is a 400
`invalid_cursor` naming `next_cursor`.

`playback_url` links to the stored meeting in Parley's API at the snippet's start
(`…/meetings/{id}?integrated_account_id=…&source=store#t=<seconds>`) until Parley has a
playback page; the link does not change shape for the caller when that page comes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement

from parley.errors import InvalidCursorError, NotFoundError
from parley.insights.triggers import PlaybackLink, snippet_json
from parley.security.signing import Signer
from parley.storage import Database
from parley.storage.repositories.keywords import KeywordRepository, RuleKey
from parley.storage.repositories.snippet_feed import FeedKey, FeedQuery, SnippetFeedRepository

__all__ = ["FeedQuery", "ListCursors", "SnippetFeed"]


def _digest(tenant_id: str, resource: str, filters: Mapping[str, Any]) -> str:
    given = {k: v for k, v in filters.items() if v is not None}
    blob = json.dumps([tenant_id, resource, given], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _malformed() -> InvalidCursorError:
    return InvalidCursorError("Malformed cursor.", param="next_cursor")


class ListCursors:
    """Signed keyset cursors bound to a tenant, a resource and its filters."""

    def __init__(self, signer: Signer) -> None:
        self._signer = signer

    def encode(self, key: list[Any], digest: str) -> str:
        return self._signer.sign({"k": key, "d": digest})

    def decode(self, token: str, digest: str) -> list[Any]:
        data = self._signer.verify(token, error=InvalidCursorError, param="next_cursor")
        if data.get("d") != digest:
            raise InvalidCursorError(
                "This cursor was issued for other filters; repeat the original query "
                "parameters with next_cursor.",
                param="next_cursor",
            )
        key = data.get("k")
        if not isinstance(key, list):
            raise _malformed()
        return key

    def rules_digest(self, tenant_id: str) -> str:
        return _digest(tenant_id, "keyword_rules", {})

    def rule_key(self, token: str, tenant_id: str) -> RuleKey:
        key = self.decode(token, self.rules_digest(tenant_id))
        try:
            created, rule_id = key
            return datetime.fromisoformat(created), str(rule_id)
        except (TypeError, ValueError):
            raise _malformed() from None

    def rule_cursor(self, key: RuleKey, tenant_id: str) -> str:
        return self.encode([key[0].isoformat(), key[1]], self.rules_digest(tenant_id))


class SnippetFeed:
    """`GET /insights/snippets`: newest meeting first, then by start time."""

    def __init__(self, db: Database, cursors: ListCursors, playback: PlaybackLink) -> None:
        self._db = db
        self._cursors = cursors
        self._playback = playback

    async def page(
        self,
        query: FeedQuery,
        *,
        limit: int,
        cursor: str | None = None,
        visible: ColumnElement[bool] | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of snippets and the next page's cursor (None: the last page).

        `visible` is an optional clause over `meetings` (per-user scoping), ANDed inside the
        query so a page holds exactly `limit` visible snippets when there are that many.
        """
        filters = {k: v for k, v in asdict(query).items() if k != "tenant_id"}
        digest = _digest(query.tenant_id, "snippets", filters)
        after = None if cursor is None else self._key(self._cursors.decode(cursor, digest))
        async with self._db.session() as session:
            if query.account_id is not None and query.account_id not in (
                await KeywordRepository(session).tenant_accounts(query.tenant_id)
            ):
                raise NotFoundError(
                    f"No integrated account {query.account_id} for this key.",
                    code="integrated_account_not_found",
                )
            rows = await SnippetFeedRepository(session).page(
                query, after=after, limit=limit + 1, visible=visible
            )
        more = len(rows) > limit
        rows = rows[:limit]
        result = [
            snippet_json(
                row,
                rule_name=row["rule_name"],
                meeting_title=row["meeting_title"],
                meeting_start_time=row["meeting_start_time"],
                playback=self._playback,
            )
            for row in rows
        ]
        following = None
        if more and rows:
            last = rows[-1]
            key = [
                last["meeting_sort"].isoformat(),
                last["meeting_id"],
                last["start_time"],
                last["id"],
            ]
            following = self._cursors.encode(key, digest)
        return result, following

    @staticmethod
    def _key(key: list[Any]) -> FeedKey:
        try:
            sort, meeting_id, start, snippet_id = key
            return FeedKey(
                datetime.fromisoformat(sort), str(meeting_id), float(start), str(snippet_id)
            )
        except (TypeError, ValueError):
            raise _malformed() from None
