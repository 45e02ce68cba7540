"""Search, snippets, deals, analytics and call logs: the insight services, as the caller sees."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from parley.errors import InvalidRequestError
from parley.insights import SearchFilters, SearchPosition
from parley.insights.analytics import AnalyticsQuery, GroupBy
from parley.insights.deals import DealQuery
from parley.insights.snippet_feed import FeedQuery
from parley.mcp.answers import Fetched, limit_arg, single, tool_errors
from parley.mcp.caps import DEFAULT_LIMIT
from parley.mcp.cursors import Args
from parley.mcp.tools_meetings import Account, Cursor, Limit
from parley.mcp.toolset import ToolSet, iso, when
from parley.storage.fulltext import MAX_QUERY_LENGTH

__all__ = ["InsightTools"]

After = Annotated[datetime | None, Field(description="Meetings starting at/after (ISO 8601).")]
Before = Annotated[datetime | None, Field(description="Meetings starting at/before (ISO 8601).")]
#: Records one email or domain may match (one CRM's duplicates, at most).
_MAX_RECORDS = 50


def _ids(value: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in (value or "").split(",") if v.strip()))


class InsightTools(ToolSet):
    """search_transcripts, list_snippets, list_deals, get_deal, team_analytics,
    find_contact_activity."""

    @tool_errors
    async def search_transcripts(
        self,
        ctx: Context[Any, Any],
        q: Annotated[
            str | None,
            Field(
                max_length=MAX_QUERY_LENGTH,
                description='What was said: words, "phrases", OR, -word, prefix* (as /search); '
                "required unless `cursor` continues a search.",
            ),
        ] = None,
        integrated_account_id: Annotated[
            str | None, Field(description="One account; every account of the key when omitted.")
        ] = None,
        start_time_after: After = None,
        start_time_before: Before = None,
        speaker_type: Annotated[
            Literal["user", "guest", "unknown"] | None,
            Field(description="Only what reps (`user`) or guests said."),
        ] = None,
        user_id: Annotated[
            str | None, Field(description="Only what this (internal) user said.")
        ] = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> CallToolResult:
        """Transcript moments matching `q`, best first, each with a playback link at its second."""
        caller = await self.caller(ctx)
        given = {
            "q": (q or "").strip() or None,
            "integrated_account_id": integrated_account_id,
            "start_time_after": iso(start_time_after),
            "start_time_before": iso(start_time_before),
            "speaker_type": speaker_type,
            "user_id": user_id,
            "limit": limit_arg(limit),
        }
        if cursor is None and not given["q"]:
            raise InvalidRequestError("q must be a non-empty search text.", param="q")

        async def fetch(args: Args, position: Any, size: int) -> Fetched:
            reading = await self.runtime.callers.accounts_read(
                caller, args["integrated_account_id"]
            )
            filters = SearchFilters(
                account_ids=reading.account_ids,
                start_time_after=when(args["start_time_after"]),
                start_time_before=when(args["start_time_before"]),
                speaker_type=args["speaker_type"],
                user_id=args["user_id"],
                scope=reading.scope,
            )
            start = SearchPosition(*position) if position else None
            found = await self.runtime.search.search(args["q"], filters, position=start, limit=size)
            items = []
            for hit in found.hits:
                item = hit.model_dump(mode="json")
                item["recording_url"] = item.pop("playback_url")
                item["playback_url"] = self.playback_url(
                    hit.integrated_account_id, hit.meeting_id, hit.start_time
                )
                items.append(item)
            following = found.next_position
            nxt = None if following is None else [following.before, following.skip]
            return Fetched(items, nxt)

        return await self.listing.slice("search_transcripts", caller, given, cursor, fetch)

    @tool_errors
    async def list_snippets(
        self,
        ctx: Context[Any, Any],
        rule_id: Annotated[str | None, Field(description="Only this keyword rule's.")] = None,
        integrated_account_id: Annotated[
            str | None, Field(description="Only this account's.")
        ] = None,
        meeting_id: Annotated[str | None, Field(description="Only this meeting's.")] = None,
        start_time_after: After = None,
        start_time_before: Before = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> CallToolResult:
        """Keyword-rule snippets (voice of the customer), newest meeting first."""
        caller = await self.caller(ctx)
        given = {
            "rule_id": rule_id,
            "integrated_account_id": integrated_account_id,
            "meeting_id": meeting_id,
            "start_time_after": iso(start_time_after),
            "start_time_before": iso(start_time_before),
            "limit": limit_arg(limit),
        }

        async def fetch(args: Args, position: Any, size: int) -> Fetched:
            reading = await self.runtime.callers.read_scope(caller, args["integrated_account_id"])
            query = FeedQuery(
                tenant_id=caller.tenant.id,
                rule_id=args["rule_id"],
                account_id=reading.account_id,
                meeting_id=args["meeting_id"],
                start_time_after=when(args["start_time_after"]),
                start_time_before=when(args["start_time_before"]),
                app_user_id=reading.app_user_id,
            )
            found, following = await self.runtime.keywords.feed.page(
                query, limit=size, cursor=position, visible=reading.visible
            )
            for item in found:
                item["playback_url"] = self.playback_url(
                    item["integrated_account_id"], item["meeting_id"], item["start_time"]
                )
            return Fetched(found, following)

        return await self.listing.slice("list_snippets", caller, given, cursor, fetch)

    @tool_errors
    async def list_deals(
        self,
        ctx: Context[Any, Any],
        integrated_account_id: Annotated[
            str | None, Field(description="One account; every account of the key when omitted.")
        ] = None,
        level: Annotated[
            Literal["low", "medium", "high"] | None, Field(description="Only this risk level.")
        ] = None,
        min_score: Annotated[
            int | None, Field(ge=0, le=100, description="Only risk scores at/above this.")
        ] = None,
        sort: Annotated[
            Literal["score", "last_meeting"] | None,
            Field(description="`score` (highest risk first, default) or `last_meeting`."),
        ] = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> CallToolResult:
        """CRM deals of the synced meetings with their risk score, level and signals."""
        caller = await self.caller(ctx)
        given = {
            "integrated_account_id": integrated_account_id,
            "level": level,
            "min_score": min_score,
            "sort": sort,
            "limit": limit_arg(limit),
        }

        async def fetch(args: Args, position: Any, size: int) -> Fetched:
            reading = await self.runtime.callers.read_scope(caller, args["integrated_account_id"])
            query = DealQuery(
                reading.account_id,
                args["level"],
                args["min_score"],
                args["sort"] or "score",
                size,
                position,
                reading.app_user_id,
            )
            views, following = await self.runtime.deals.list_deals(
                caller.tenant.id, query, visible=reading.visible
            )
            return Fetched([view.model_dump(mode="json") for view in views], following)

        return await self.listing.slice("list_deals", caller, given, cursor, fetch)

    @tool_errors
    async def get_deal(
        self,
        ctx: Context[Any, Any],
        opportunity_id: Annotated[str, Field(min_length=1, description="The deal's CRM id.")],
        integrated_account_id: Account = None,
    ) -> CallToolResult:
        """One deal's risk: each signal with the meetings and moments it came from."""
        caller = await self.caller(ctx)
        account = await self.account_id(caller, integrated_account_id)
        reading = await self.runtime.callers.read_scope(caller, account)
        view = await self.runtime.deals.get(
            caller.tenant.id, account, opportunity_id, visible=reading.visible
        )
        return single(view.model_dump(mode="json"))

    @tool_errors
    async def team_analytics(
        self,
        ctx: Context[Any, Any],
        integrated_account_id: Account = None,
        group_by: Annotated[
            Literal["user", "team", "week"] | None,
            Field(description="Rows per `user` (default), `team` or `week`."),
        ] = None,
        start_time_after: After = None,
        start_time_before: Before = None,
        user_id: Annotated[
            str | None, Field(description="Owner user id(s), comma-separated.")
        ] = None,
        team_id: Annotated[
            str | None, Field(description="Owner team id(s), comma-separated.")
        ] = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> CallToolResult:
        """Talk ratio, meeting counts, durations and topics per rep, team or week, with totals."""
        caller = await self.caller(ctx)
        given = {
            "integrated_account_id": integrated_account_id,
            "group_by": group_by,
            "start_time_after": iso(start_time_after),
            "start_time_before": iso(start_time_before),
            "user_id": user_id,
            "team_id": team_id,
            "limit": limit_arg(limit),
        }

        async def fetch(args: Args, position: Any, size: int) -> Fetched:
            reading = await self.account_scope(caller, args["integrated_account_id"])
            account = str(reading.account_id)
            query = AnalyticsQuery(
                group_by=GroupBy(args["group_by"] or GroupBy.USER.value),
                start_time_after=when(args["start_time_after"]),
                start_time_before=when(args["start_time_before"]),
                user_ids=_ids(args["user_id"]),
                team_ids=_ids(args["team_id"]),
            )
            page = await self.runtime.analytics.report(
                caller.tenant.id,
                account,
                query,
                offset=int(position or 0),
                limit=size,
                visible=reading.visible,
            )
            rows = [row.model_dump(mode="json") for row in page.rows]
            fields = {
                "integrated_account_id": account,
                "group_by": query.group_by.value,
                "totals": page.totals.model_dump(mode="json"),
            }
            return Fetched(rows, page.next_offset, fields)

        return await self.listing.slice("team_analytics", caller, given, cursor, fetch)

    @tool_errors
    async def find_contact_activity(
        self,
        ctx: Context[Any, Any],
        email: Annotated[
            str | None, Field(description="A CRM contact's email (or give `domain`).")
        ] = None,
        domain: Annotated[
            str | None, Field(description="A CRM company's domain, e.g. `acme.com`.")
        ] = None,
        integrated_account_id: Account = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> CallToolResult:
        """The call log of the CRM contacts with an email, or companies with a domain."""
        caller = await self.caller(ctx)
        given = {
            "email": email,
            "domain": domain,
            "integrated_account_id": integrated_account_id,
            "limit": limit_arg(limit),
        }
        if cursor is None and (email is None) == (domain is None):
            raise InvalidRequestError("Give one of email or domain.", param="email")

        async def fetch(args: Args, position: Any, size: int) -> Fetched:
            reading = await self.account_scope(caller, args["integrated_account_id"])
            account = str(reading.account_id)
            kind: Literal["contact", "company"] = "contact" if args["email"] else "company"
            records = await self.runtime.crm.list_records(
                kind,
                caller.tenant.id,
                account,
                key=args["email"] or args["domain"],
                limit=_MAX_RECORDS,
                cursor=None,
            )
            ids = [r.external_id for r in records.items]
            fields = {"integrated_account_id": account, "kind": kind, "records": ids}
            index, inner = position or (0, None)
            if index >= len(ids):
                return Fetched([], None, fields)
            page = await self.runtime.crm.activities(
                kind,
                caller.tenant.id,
                account,
                ids[index],
                limit=size,
                cursor=inner,
                visible=reading.visible,
                app_user_id=reading.app_user_id,
            )
            items = []
            for activity in page.items:
                item = {"record": ids[index], **activity.model_dump(mode="json")}
                item["playback_url"] = self.playback_url(account, activity.meeting_id)
                items.append(item)
            following: list[Any] | None = None
            if page.next_cursor is not None:
                following = [index, page.next_cursor]
            elif index + 1 < len(ids):
                following = [index + 1, None]
            return Fetched(items, following, fields)

        return await self.listing.slice("find_contact_activity", caller, given, cursor, fetch)
