"""The snippets page's model: the voice-of-customer feed, by rule, newest first.

The same feed as `GET /insights/snippets` (`SnippetFeed`, the same scope and order: newest
meeting first, then by start time), a page at a time, each snippet with a link that plays
its clip on the playback page. The rule filter offers the tenant's enabled rules that apply
to the account (their names only: a scoped reader sees them on its snippets anyway).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from parley.insights.callers import Caller, CallerAuth
from parley.insights.page_links import playback_page
from parley.insights.rules import RuleService
from parley.insights.snippet_feed import FeedQuery, SnippetFeed

__all__ = [
    "PAGE_SIZE",
    "RuleOption",
    "SnippetCard",
    "SnippetPages",
    "SnippetsPage",
    "safe_highlight",
]

#: Snippets per page.
PAGE_SIZE = 50
_RULES_PAGE = 100
_MARK = re.compile(r"(</?mark>)")


def safe_highlight(highlight: str) -> str:
    """The highlight as HTML whose only markup is `<mark>`: every other piece re-escaped, so
    nothing stored can ever become markup on the page."""
    pieces = _MARK.split(highlight)
    return "".join(
        piece if _MARK.fullmatch(piece) else html.escape(html.unescape(piece), quote=False)
        for piece in pieces
    )


@dataclass(frozen=True)
class RuleOption:
    """A rule the filter offers."""

    id: str
    name: str


@dataclass(frozen=True)
class SnippetCard:
    """One snippet as the page shows it."""

    id: str
    rule_id: str
    rule_name: str
    integrated_account_id: str
    meeting_id: str
    meeting_title: str | None
    meeting_start_time: datetime | None
    speaker_name: str | None
    speaker_type: str | None
    start_time: float
    end_time: float
    highlight: str
    href: str


@dataclass(frozen=True)
class SnippetsPage:
    """A page of the feed, the rule filter's options and the next page's cursor."""

    account_id: str | None
    rule_id: str | None
    rules: list[RuleOption]
    snippets: list[SnippetCard]
    next_cursor: str | None


def _card(item: dict[str, Any]) -> SnippetCard:
    started = item["meeting_start_time"]
    return SnippetCard(
        id=item["id"],
        rule_id=item["rule_id"],
        rule_name=item["rule_name"],
        integrated_account_id=item["integrated_account_id"],
        meeting_id=item["meeting_id"],
        meeting_title=item["meeting_title"],
        meeting_start_time=None if started is None else datetime.fromisoformat(started),
        speaker_name=item["speaker_name"],
        speaker_type=item["speaker_type"],
        start_time=item["start_time"],
        end_time=item["end_time"],
        highlight=safe_highlight(item["highlight"]),
        href=playback_page(item["integrated_account_id"], item["meeting_id"], item["start_time"]),
    )


class SnippetPages:
    """Builds the snippets page for one scope."""

    def __init__(self, callers: CallerAuth, feed: SnippetFeed, rules: RuleService) -> None:
        self._callers = callers
        self._feed = feed
        self._rules = rules

    async def page(
        self,
        caller: Caller,
        account_id: str | None,
        rule_id: str | None,
        *,
        cursor: str | None = None,
        limit: int = PAGE_SIZE,
    ) -> SnippetsPage:
        """A page of the feed of the meetings `caller` may see, newest first (`account_id`
        None: every account of the developer's tenant; a scoped token's own account)."""
        reading = await self._callers.read_scope(caller, account_id)
        tenant = caller.tenant.id
        query = FeedQuery(
            tenant_id=tenant,
            rule_id=rule_id,
            account_id=reading.account_id,
            app_user_id=reading.app_user_id,
        )
        items, following = await self._feed.page(
            query, limit=limit, cursor=cursor, visible=reading.visible
        )
        return SnippetsPage(
            account_id=reading.account_id,
            rule_id=rule_id,
            rules=await self._options(tenant, reading.account_id),
            snippets=[_card(item) for item in items],
            next_cursor=following,
        )

    async def _options(self, tenant_id: str, account_id: str | None) -> list[RuleOption]:
        options, after = [], None
        while True:
            views, after = await self._rules.list(tenant_id, after=after, limit=_RULES_PAGE)
            options += [
                RuleOption(view.id, view.name)
                for view in views
                if view.enabled
                and (account_id is None or view.integrated_account_id in (None, account_id))
            ]
            if after is None:
                return sorted(options, key=lambda rule: (rule.name.lower(), rule.id))
