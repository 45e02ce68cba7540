"""Accounts, meetings and transcripts: the synced copy (`reads.store`), as the caller sees it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from parley.errors import InvalidRequestError
from parley.mcp.answers import Fetched, limit_arg, tool_errors
from parley.mcp.caps import DEFAULT_LIMIT, MAX_ITEMS
from parley.mcp.cursors import Args
from parley.mcp.toolset import ToolSet, iso, when
from parley.providers.base import MeetingFilters
from parley.reads.store import MAX_TOPIC_LENGTH, StoreMeetingFilters
from parley.unified import Meeting, TranscriptEntry

__all__ = ["MeetingTools"]

Account = Annotated[
    str | None,
    Field(
        description="The integrated account (list_accounts); optional when the key reads one "
        "account, or with a scoped token."
    ),
]
Limit = Annotated[
    int, Field(ge=1, le=MAX_ITEMS, description=f"Items per answer (default {DEFAULT_LIMIT}).")
]
Cursor = Annotated[
    str | None,
    Field(description="`next_cursor` of the previous answer: continues that listing."),
]
MeetingId = Annotated[
    str | None,
    Field(min_length=1, description="The meeting id (required unless `cursor` continues)."),
]
#: Entries of an excerpt shown before the one at `around_second`.
_LEAD_IN = 2


def _trackers(meeting: Meeting) -> list[dict[str, Any]]:
    return [{"name": t.name, "type": t.type, "count": t.count} for t in meeting.trackers]


def _entry(entry: TranscriptEntry) -> dict[str, Any]:
    return entry.model_dump(mode="json", exclude={"speaker_id"})


class MeetingTools(ToolSet):
    """list_accounts, list_meetings, get_meeting, get_transcript."""

    def _brief(self, account_id: str, meeting: Meeting) -> dict[str, Any]:
        data = meeting.model_dump(
            mode="json",
            exclude={
                "remote_data",
                "transcript",
                "speakers",
                "audio_recording_url",
                "video_recording_url",
            },
        )
        data["trackers"] = _trackers(meeting)
        data["playback_url"] = self.playback_url(account_id, meeting.id)
        return data

    @tool_errors
    async def list_accounts(
        self, ctx: Context[Any, Any], limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
    ) -> CallToolResult:
        """The integrated accounts (linked Chorus accounts) this key may read."""
        caller = await self.caller(ctx)

        async def fetch(args: Args, position: Any, size: int) -> Fetched:
            accounts = await self.runtime.callers.accounts_of(caller)
            start = int(position or 0)
            items = [a.model_dump(mode="json") for a in accounts[start : start + size]]
            more = start + size < len(accounts)
            return Fetched(items, start + size if more else None)

        given = {"limit": limit_arg(limit)}
        return await self.listing.slice("list_accounts", caller, given, cursor, fetch)

    @tool_errors
    async def list_meetings(
        self,
        ctx: Context[Any, Any],
        integrated_account_id: Account = None,
        start_time_after: Annotated[
            datetime | None, Field(description="Meetings starting at/after (ISO 8601).")
        ] = None,
        start_time_before: Annotated[
            datetime | None, Field(description="Meetings starting at/before (ISO 8601).")
        ] = None,
        participant_email: Annotated[
            str | None, Field(description="Only meetings this email attended.")
        ] = None,
        owner_user_id: Annotated[
            str | None, Field(description="Only meetings this (internal) user owns.")
        ] = None,
        topic: Annotated[
            str | None,
            Field(
                max_length=MAX_TOPIC_LENGTH,
                description="Only meetings with this topic (a tracker's whole name, any case).",
            ),
        ] = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> CallToolResult:
        """Stored meetings of an account, newest first; filter by dates, attendee, owner, topic."""
        caller = await self.caller(ctx)
        given = {
            "integrated_account_id": integrated_account_id,
            "start_time_after": iso(start_time_after),
            "start_time_before": iso(start_time_before),
            "participant_email": participant_email,
            "owner_user_id": owner_user_id,
            "topic": topic,
            "limit": limit_arg(limit),
        }

        async def fetch(args: Args, position: Any, size: int) -> Fetched:
            reading = await self.account_scope(caller, args["integrated_account_id"])
            account = str(reading.account_id)
            owner = args["owner_user_id"]
            filters = MeetingFilters(
                start_time_after=when(args["start_time_after"]),
                start_time_before=when(args["start_time_before"]),
                user_ids=(owner,) if owner else (),
                participant_email=args["participant_email"],
            )
            page = await self.runtime.store.list_meetings(
                account,
                StoreMeetingFilters(filters, topic=args["topic"]),
                limit=size,
                cursor=position,
                scope=reading.scope,
            )
            items = [self._brief(account, m) for m in page.items]
            return Fetched(items, page.next_cursor, {"integrated_account_id": account})

        return await self.listing.slice("list_meetings", caller, given, cursor, fetch)

    @tool_errors
    async def get_meeting(
        self,
        ctx: Context[Any, Any],
        meeting_id: MeetingId = None,
        integrated_account_id: Account = None,
        entry_start: Annotated[
            int | None, Field(ge=0, description="Excerpt from this transcript entry (0-based).")
        ] = None,
        entry_end: Annotated[
            int | None, Field(ge=0, description="Excerpt up to this entry (inclusive).")
        ] = None,
        around_second: Annotated[
            float | None,
            Field(ge=0, description="Excerpt around this second of the recording instead."),
        ] = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> CallToolResult:
        """One meeting: metadata, attendees, topics, summary, action items, transcript excerpt."""
        caller = await self.caller(ctx)
        given = {
            "meeting_id": meeting_id,
            "integrated_account_id": integrated_account_id,
            "entry_start": entry_start,
            "entry_end": entry_end,
            "around_second": around_second,
            "limit": limit_arg(limit),
        }

        async def fetch(args: Args, position: Any, size: int) -> Fetched:
            account, meeting = await self._meeting(caller, args)
            entries = meeting.transcript or []
            low, high = _excerpt(entries, args)
            start = low if position is None else int(position)
            page = [_entry(e) for e in entries[start : min(high, start + size)]]
            following = start + size if start + size < high else None
            meta = self._brief(account, meeting) | {
                "summary": meeting.summary,
                "speakers": [s.model_dump(mode="json") for s in meeting.speakers or []],
                "audio_recording_url": meeting.audio_recording_url,
                "video_recording_url": meeting.video_recording_url,
            }
            excerpt = {"first_entry": low, "last_entry": high - 1, "total_entries": len(entries)}
            return Fetched(page, following, {"meeting": meta, "excerpt": excerpt})

        return await self.listing.slice(
            "get_meeting", caller, given, cursor, fetch, items_key="transcript"
        )

    @tool_errors
    async def get_transcript(
        self,
        ctx: Context[Any, Any],
        meeting_id: MeetingId = None,
        integrated_account_id: Account = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> CallToolResult:
        """A meeting's transcript, paged by entries: speaker, seconds and text of each."""
        caller = await self.caller(ctx)
        given = {
            "meeting_id": meeting_id,
            "integrated_account_id": integrated_account_id,
            "limit": limit_arg(limit),
        }

        async def fetch(args: Args, position: Any, size: int) -> Fetched:
            account, meeting = await self._meeting(caller, args)
            entries = meeting.transcript or []
            start = int(position or 0)
            page = [_entry(e) for e in entries[start : start + size]]
            fields = {
                "integrated_account_id": account,
                "meeting_id": meeting.id,
                "title": meeting.title,
                "total_entries": len(entries),
                "playback_url": self.playback_url(account, meeting.id),
            }
            return Fetched(page, start + size if start + size < len(entries) else None, fields)

        return await self.listing.slice(
            "get_transcript", caller, given, cursor, fetch, items_key="entries"
        )

    async def _meeting(self, caller: Any, args: Args) -> tuple[str, Meeting]:
        if not args["meeting_id"]:
            raise InvalidRequestError("meeting_id is required.", param="meeting_id")
        reading = await self.account_scope(caller, args["integrated_account_id"])
        account = str(reading.account_id)
        meeting = await self.runtime.store.get_meeting(
            account, args["meeting_id"], scope=reading.scope
        )
        return account, meeting


def _excerpt(entries: list[TranscriptEntry], args: Args) -> tuple[int, int]:
    """The excerpt's entries as [low, high): around a second, a range, or from the start."""
    second = args.get("around_second")
    if second is not None:
        at = 0
        for position, entry in enumerate(entries):
            if entry.start_time is not None and entry.start_time <= float(second):
                at = position
        return max(0, at - _LEAD_IN), len(entries)
    low = int(args.get("entry_start") or 0)
    end = args.get("entry_end")
    high = len(entries) if end is None else min(len(entries), int(end) + 1)
    return min(low, high), high
