"""Unified Conversational Intelligence routes: meetings, transcripts, users, teams.

`source=live` (default) reads the provider (`reads.live`); `source=store` the synced copy
(`reads.store`; `unified_store` says what a stored read refuses).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import RedirectResponse

from parley.api import render
from parley.api.deps import CurrentScope, RuntimeDep, ScopedAccount
from parley.api.params import (
    LIST,
    MEETING_FILTERS,
    ListOptions,
    OutputOptions,
    list_options,
    meeting_filters,
    output_options,
    reject_unknown,
    utc,
)
from parley.api.routes import unified_store as stored
from parley.errors import InvalidRequestError
from parley.insights.search import seconds_param
from parley.providers.base import MeetingFilters
from parley.reads.live import LiveAccount, LivePage, LiveReader
from parley.reads.store import MAX_TOPIC_LENGTH, StoreMeetingFilters, StorePage, StoreReader
from parley.storage.fulltext import MAX_QUERY_LENGTH

__all__ = ["router"]

router = APIRouter(prefix="/unified/conversational-intelligence", tags=["unified"])
# Routes answer bytes serialised by `render`; `response_model=JSON` keeps the documented shape.
JSON = dict[str, Any]
Source = Literal["live", "store"]


STORE_ONLY = ("updated_after", "q")
#: The store-only filters of meetings alone (users and teams have no topics).
MEETING_STORE_ONLY = (*STORE_ONLY, "topic")
UPDATED_AFTER = Query(None, description="source=store: only records our copy changed after.")
Q = Query(
    None, max_length=MAX_QUERY_LENGTH, description="source=store: text in the title or transcript."
)
TOPIC = Query(
    None,
    max_length=MAX_TOPIC_LENGTH,
    description="source=store: one of the meeting's topics, the whole name in any case.",
)

# The parameters below are dependencies, not route parameters, so that the OpenAPI document
# lists them after `integrated_account_id` (a route's own parameters come before those of
# its dependencies), as it always has.


@dataclass(frozen=True)
class _Read:
    """Where to read from, and the stored reads' own filters."""

    source: Source
    updated_after: datetime | None = None
    q: str | None = None
    expand: str | None = None
    topic: str | None = None


def _source(source: Source = Query("live")) -> Source:
    return source


def _meeting_read(
    expand: str | None = Query(None, description="`transcript`: full meetings in the list."),
    source: Source = Query("live", description="`live` (provider) or `store` (synced copy)."),
    updated_after: datetime | None = UPDATED_AFTER,
    q: str | None = Q,
    topic: str | None = TOPIC,
) -> _Read:
    return _Read(source, utc(updated_after), q, expand, topic)


def _transcripts_of(
    meeting_id: str = Query(..., description="The meeting whose transcript to return."),
) -> str:
    return meeting_id


@dataclass(frozen=True)
class _Media:
    kind: Literal["video", "audio"]
    at: float | None


def _media(
    kind: Literal["video", "audio"] = Query("video", description="`video` or `audio`."),
    t: float | None = Query(None, ge=0, description="Start playback at this second."),
) -> _Media:
    return _Media(kind, t)


@router.get("/meetings", summary="List meetings", response_model=JSON)
async def list_meetings(
    request: Request,
    runtime: RuntimeDep,
    account: ScopedAccount,
    scope: CurrentScope,
    filters: MeetingFilters = Depends(meeting_filters),
    read: _Read = Depends(_meeting_read),
    paging: ListOptions = Depends(list_options),
    out: OutputOptions = Depends(output_options),
) -> Response:
    """Meetings of the account, newest first (list-level fields unless expand=transcript)."""
    reject_unknown(request, (*MEETING_FILTERS, *MEETING_STORE_ONLY, "expand", *LIST))
    stored.reject_store_only(
        read.source, updated_after=read.updated_after, q=read.q, topic=read.topic
    )
    if read.expand not in (None, "", "transcript"):
        raise InvalidRequestError("expand supports only `transcript`.", param="expand")
    full = read.expand == "transcript"
    stored.require_store_for(scope, read.source)
    if read.source == "store":
        stored.check_store_request(request, out)
        found = await runtime.store.list_meetings(
            account.id,
            StoreMeetingFilters(
                filters, updated_after=read.updated_after, q=read.q, topic=read.topic
            ),
            limit=paging.limit,
            cursor=paging.next_cursor,
            expand_transcript=full,
            scope=scope,
        )
        return render.page(found.items, found.next_cursor, out)
    page = await runtime.live.list_meetings(
        account, filters, limit=paging.limit, cursor=paging.next_cursor, expand_transcript=full
    )
    return render.live_page(page, out)


@router.get("/meetings/{meeting_id}", summary="Get a meeting", response_model=JSON)
async def get_meeting(
    request: Request,
    runtime: RuntimeDep,
    account: ScopedAccount,
    scope: CurrentScope,
    meeting_id: str = Path(..., description="The meeting id."),
    source: Source = Depends(_source),
    out: OutputOptions = Depends(output_options),
) -> Response:
    """The full meeting: attendees, recordings, topics, trackers, transcript, speakers."""
    reject_unknown(request, ())
    stored.require_store_for(scope, source)
    if source == "store":
        stored.check_store_request(request, out)
        meeting = await runtime.store.get_meeting(account.id, meeting_id, scope=scope)
        return render.one(meeting, out)
    return render.one(await runtime.live.get_meeting(account, meeting_id), out)


@router.get(
    "/meetings/{meeting_id}/recording",
    summary="Redirect to the meeting's recording",
    status_code=302,
    response_class=RedirectResponse,
)
async def get_recording(
    request: Request,
    runtime: RuntimeDep,
    account: ScopedAccount,
    scope: CurrentScope,
    meeting_id: str = Path(...),
    media: _Media = Depends(_media),
) -> RedirectResponse:
    """302 to a freshly minted provider media URL (a stable link to hand to a player)."""
    reject_unknown(request, ("kind", "t"))
    if scope is not None:
        # The link is minted by the provider; whether this user may follow it, by the store.
        await runtime.store.check_visible(account.id, meeting_id, scope)
    url = await runtime.live.media_url(account, meeting_id, media.kind)
    if media.at is not None:
        # A media fragment (`#t=75.4`): browsers and players seek there on load.
        url = f"{url.split('#', 1)[0]}#t={seconds_param(media.at)}"
    return RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})


@router.get("/transcripts", summary="List transcripts (of one meeting)", response_model=JSON)
async def list_transcripts(
    request: Request,
    runtime: RuntimeDep,
    account: ScopedAccount,
    scope: CurrentScope,
    meeting_id: str = Depends(_transcripts_of),
    source: Source = Depends(_source),
    paging: ListOptions = Depends(list_options),
    out: OutputOptions = Depends(output_options),
) -> Response:
    """Truto-compatible transcript resource; `meeting_id` is required."""
    reject_unknown(request, ("meeting_id", *LIST))
    stored.require_store_for(scope, source)
    if source == "store":
        stored.check_store_request(request, out)
        found = await runtime.store.list_transcripts(
            account.id, meeting_id, limit=paging.limit, cursor=paging.next_cursor, scope=scope
        )
        return render.page(found.items, found.next_cursor, out)
    page = await runtime.live.list_transcripts(
        account, meeting_id, limit=paging.limit, cursor=paging.next_cursor
    )
    return render.live_page(page, out)


@dataclass(frozen=True)
class _Directory:
    """Users or teams: the same four reads over the provider or the synced copy."""

    resource: str  # "users"
    item: str  # "user"
    q_help: str
    list_live: Callable[[LiveReader], Callable[..., Awaitable[LivePage[Any]]]]
    get_live: Callable[[LiveReader], Callable[[LiveAccount, str], Awaitable[Any]]]
    list_stored: Callable[[StoreReader], Callable[..., Awaitable[StorePage[Any]]]]
    get_stored: Callable[[StoreReader], Callable[[str, str], Awaitable[Any]]]


def _directory_routes(d: _Directory) -> None:
    """`GET /{resource}` and `GET /{resource}/{item_id}` for one directory."""

    def directory_read(
        source: Source = Query("live"),
        updated_after: datetime | None = UPDATED_AFTER,
        q: str | None = Query(None, max_length=MAX_QUERY_LENGTH, description=d.q_help),
    ) -> _Read:
        return _Read(source, utc(updated_after), q)

    async def list_items(
        request: Request,
        runtime: RuntimeDep,
        account: ScopedAccount,
        scope: CurrentScope,
        read: _Read = Depends(directory_read),
        paging: ListOptions = Depends(list_options),
        out: OutputOptions = Depends(output_options),
    ) -> Response:
        reject_unknown(request, (*STORE_ONLY, *LIST))
        stored.reject_store_only(read.source, updated_after=read.updated_after, q=read.q)
        stored.require_store_for(scope, read.source)
        if read.source == "store":
            stored.check_store_request(request, out)
            found = await d.list_stored(runtime.store)(
                account.id,
                limit=paging.limit,
                cursor=paging.next_cursor,
                updated_after=read.updated_after,
                q=read.q,
            )
            return render.page(found.items, found.next_cursor, out)
        page = await d.list_live(runtime.live)(
            account, limit=paging.limit, cursor=paging.next_cursor
        )
        return render.live_page(page, out)

    async def get_item(
        request: Request,
        runtime: RuntimeDep,
        account: ScopedAccount,
        scope: CurrentScope,
        item_id: str = Path(..., alias=f"{d.item}_id"),
        source: Source = Depends(_source),
        out: OutputOptions = Depends(output_options),
    ) -> Response:
        reject_unknown(request, ())
        stored.require_store_for(scope, source)
        if source == "store":
            stored.check_store_request(request, out)
            return render.one(await d.get_stored(runtime.store)(account.id, item_id), out)
        return render.one(await d.get_live(runtime.live)(account, item_id), out)

    router.add_api_route(
        f"/{d.resource}",
        list_items,
        methods=["GET"],
        name=f"list_{d.resource}",
        summary=f"List {d.resource}",
        description=f"{d.resource.capitalize()} of the account.",
        response_model=JSON,
    )
    router.add_api_route(
        f"/{d.resource}/{{{d.item}_id}}",
        get_item,
        methods=["GET"],
        name=f"get_{d.item}",
        summary=f"Get a {d.item}",
        description=f"One {d.item}"
        + (
            " (Chorus has no get-by-id; Parley resolves it from the list)."
            if d.item == "user"
            else "."
        ),
        response_model=JSON,
    )


_directory_routes(
    _Directory(
        "users",
        "user",
        "source=store: in name or email.",
        list_live=lambda live: live.list_users,
        get_live=lambda live: live.get_user,
        list_stored=lambda store: store.list_users,
        get_stored=lambda store: store.get_user,
    )
)
_directory_routes(
    _Directory(
        "teams",
        "team",
        "source=store: in the name.",
        list_live=lambda live: live.list_teams,
        get_live=lambda live: live.get_team,
        list_stored=lambda store: store.list_teams,
        get_stored=lambda store: store.get_team,
    )
)
