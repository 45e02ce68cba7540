"""Unified Conversational Intelligence routes: meetings, transcripts, users, teams.

`source=live` (default) reads the provider; `source=store` the synced copy (`unified_store`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import RedirectResponse

from parley.api import render
from parley.api.deps import AccountProvider, RuntimeDep
from parley.api.params import (
    LIST,
    ListOptions,
    OutputOptions,
    list_options,
    output_options,
    reject_unknown,
    remote_query,
    utc,
)
from parley.api.routes import unified_store as stored
from parley.errors import InvalidRequestError, UnsupportedFilterError
from parley.insights.search import seconds_param
from parley.providers.base import EncodedMeetingLister, MeetingFilters, Provider
from parley.reads.cursor import CursorState, filters_digest
from parley.reads.paging import Assembled, assemble_page, whole_list_page
from parley.reads.store import StoreMeetingFilters, StorePage, StoreReader
from parley.storage.fulltext import MAX_QUERY_LENGTH
from parley.unified import Meeting, MeetingType, transcript_of

__all__ = ["router"]

router = APIRouter(prefix="/unified/conversational-intelligence", tags=["unified"])
# Routes answer bytes serialised by `render`; `response_model=JSON` keeps the documented shape.
JSON = dict[str, Any]

MEETING_FILTERS = (
    "start_time_after",
    "start_time_before",
    "user_id",
    "team_id",
    "participant_email",
    "type",
    "min_duration",
)
Source = Literal["live", "store"]


STORE_ONLY = ("updated_after", "q")
UPDATED_AFTER = Query(None, description="source=store: only records our copy changed after.")
Q = Query(
    None, max_length=MAX_QUERY_LENGTH, description="source=store: text in the title or transcript."
)


async def _page(
    runtime: RuntimeDep,
    account_id: str,
    resource: str,
    filters: dict[str, Any],
    paging: ListOptions,
    fetch: Any,
) -> Assembled[Any]:
    digest = filters_digest(account_id, resource, filters)
    start = CursorState(None, 0)
    if paging.next_cursor:
        start = runtime.cursors.decode(paging.next_cursor, digest)
    assembled: Assembled[Any] = await assemble_page(fetch, start, paging.limit)
    return assembled


def _cursor(
    runtime: RuntimeDep,
    account_id: str,
    resource: str,
    filters: dict[str, Any],
    nxt: CursorState | None,
) -> str | None:
    if nxt is None:
        return None
    return runtime.cursors.encode(nxt, filters_digest(account_id, resource, filters))


@router.get("/meetings", summary="List meetings", response_model=JSON)
async def list_meetings(
    request: Request,
    runtime: RuntimeDep,
    provider: AccountProvider,
    integrated_account_id: str = Query(...),
    start_time_after: datetime | None = Query(None, description="Meetings starting at or after."),
    start_time_before: datetime | None = Query(None, description="Meetings starting before."),
    user_id: str | None = Query(None, description="Owner user id(s), comma-separated."),
    team_id: str | None = Query(None, description="Owner team id(s), comma-separated."),
    participant_email: str | None = Query(None, description="A participant's email address."),
    type: MeetingType | None = Query(None, description="`meeting`, `call` or `other`."),
    min_duration: float | None = Query(None, ge=0, description="Minimum duration, seconds."),
    expand: str | None = Query(None, description="`transcript`: full meetings in the list."),
    source: Source = Query("live", description="`live` (provider) or `store` (synced copy)."),
    updated_after: datetime | None = UPDATED_AFTER,
    q: str | None = Q,
    paging: ListOptions = Depends(list_options),
    out: OutputOptions = Depends(output_options),
) -> Response:
    """Meetings of the account, newest first (list-level fields unless expand=transcript)."""
    reject_unknown(request, (*MEETING_FILTERS, *STORE_ONLY, "expand", *LIST))
    stored.reject_store_only(source, updated_after=updated_after, q=q)
    if expand not in (None, "", "transcript"):
        raise InvalidRequestError("expand supports only `transcript`.", param="expand")
    after, before = utc(start_time_after), utc(start_time_before)
    filters = MeetingFilters(
        start_time_after=after,
        start_time_before=before,
        user_ids=_split(user_id),
        team_ids=_split(team_id),
        participant_email=participant_email,
        type=type.value if type else None,
        min_duration=min_duration,
        remote_query=remote_query(request),
    )
    if source == "store":
        stored.check_store_request(request, out)
        return await stored.list_meetings(
            runtime,
            integrated_account_id,
            StoreMeetingFilters(filters, updated_after=utc(updated_after), q=q),
            paging,
            out,
            expand=expand == "transcript",
        )
    given: dict[str, Any] = {
        "start_time_after": after,
        "start_time_before": before,
        "user_id": user_id,
        "team_id": team_id,
        "participant_email": participant_email,
        "type": type.value if type else None,
        "min_duration": min_duration,
    }
    _check_supported(provider, given)
    key = {**given, "remote_query": filters.remote_query}

    # Without `expand`, the same meetings already encoded as JSON, when the provider can.
    lister = None
    if expand != "transcript" and isinstance(provider, EncodedMeetingLister):
        lister = provider

    async def fetch(position: str | None) -> Any:
        if lister is not None:
            return await lister.list_meetings_json_page(filters, position)
        return await provider.list_meetings_page(filters, position)

    page = await _page(runtime, integrated_account_id, "meetings", key, paging, fetch)
    if lister is not None:
        cursor = _cursor(runtime, integrated_account_id, "meetings", key, page.next_state)
        return render.encoded_page(page.items, cursor, out)
    meetings: list[Meeting] = page.items
    if expand == "transcript":
        meetings = await provider.get_meetings(meetings)
    cursor = _cursor(runtime, integrated_account_id, "meetings", key, page.next_state)
    return render.page(meetings, cursor, out)


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


def _check_supported(provider: Provider, given: dict[str, Any]) -> None:
    for name, value in given.items():
        if value is not None and name not in provider.info.meeting_filters:
            raise UnsupportedFilterError(
                f"{provider.info.name} cannot filter meetings by {name!r}.", param=name
            )


@router.get("/meetings/{meeting_id}", summary="Get a meeting", response_model=JSON)
async def get_meeting(
    request: Request,
    runtime: RuntimeDep,
    provider: AccountProvider,
    meeting_id: str = Path(..., description="The meeting id."),
    integrated_account_id: str = Query(...),
    source: Source = Query("live"),
    out: OutputOptions = Depends(output_options),
) -> Response:
    """The full meeting: attendees, recordings, topics, trackers, transcript, speakers."""
    reject_unknown(request, ())
    if source == "store":
        stored.check_store_request(request, out)
        return render.one(await runtime.store.get_meeting(integrated_account_id, meeting_id), out)
    return render.one(await provider.get_meeting(meeting_id), out)


@router.get(
    "/meetings/{meeting_id}/recording",
    summary="Redirect to the meeting's recording",
    status_code=302,
    response_class=RedirectResponse,
)
async def get_recording(
    request: Request,
    provider: AccountProvider,
    meeting_id: str = Path(...),
    integrated_account_id: str = Query(...),
    kind: Literal["video", "audio"] = Query("video", description="`video` or `audio`."),
    t: float | None = Query(None, ge=0, description="Start playback at this second."),
) -> RedirectResponse:
    """302 to a freshly minted provider media URL (a stable link to hand to a player)."""
    reject_unknown(request, ("kind", "t"))
    url = await provider.media_url(meeting_id, kind)
    if t is not None:
        # A media fragment (`#t=75.4`): browsers and players seek there on load.
        url = f"{url.split('#', 1)[0]}#t={seconds_param(t)}"
    return RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})


@router.get("/transcripts", summary="List transcripts (of one meeting)", response_model=JSON)
async def list_transcripts(
    request: Request,
    runtime: RuntimeDep,
    provider: AccountProvider,
    integrated_account_id: str = Query(...),
    meeting_id: str = Query(..., description="The meeting whose transcript to return."),
    source: Source = Query("live"),
    paging: ListOptions = Depends(list_options),
    out: OutputOptions = Depends(output_options),
) -> Response:
    """Truto-compatible transcript resource; `meeting_id` is required."""
    reject_unknown(request, ("meeting_id", *LIST))
    if source == "store":
        stored.check_store_request(request, out)
        transcript = await runtime.store.get_transcript(integrated_account_id, meeting_id)
    else:
        transcript = transcript_of(await provider.get_meeting(meeting_id))
    return render.page([transcript], None, out)


@dataclass(frozen=True)
class _Directory:
    """Users or teams: the same four reads over the provider or the synced copy."""

    resource: str  # "users"
    item: str  # "user"
    q_help: str
    list_live: Callable[[Provider], Awaitable[Sequence[Any]]]
    get_live: Callable[[Provider, str], Awaitable[Any]]
    list_stored: Callable[[StoreReader], Callable[..., Awaitable[StorePage[Any]]]]
    get_stored: Callable[[StoreReader, str, str], Awaitable[Any]]


def _directory_routes(d: _Directory) -> None:
    """`GET /{resource}` and `GET /{resource}/{item_id}` for one directory."""

    async def list_items(
        request: Request,
        runtime: RuntimeDep,
        provider: AccountProvider,
        integrated_account_id: str = Query(...),
        source: Source = Query("live"),
        updated_after: datetime | None = UPDATED_AFTER,
        q: str | None = Query(None, max_length=MAX_QUERY_LENGTH, description=d.q_help),
        paging: ListOptions = Depends(list_options),
        out: OutputOptions = Depends(output_options),
    ) -> Response:
        reject_unknown(request, (*STORE_ONLY, *LIST))
        stored.reject_store_only(source, updated_after=updated_after, q=q)
        account = integrated_account_id
        if source == "store":
            stored.check_store_request(request, out)
            found = await d.list_stored(runtime.store)(
                account,
                limit=paging.limit,
                cursor=paging.next_cursor,
                updated_after=utc(updated_after),
                q=q,
            )
            return stored.envelope(found, out)
        items = list(await d.list_live(provider))
        page = await _page(runtime, account, d.resource, {}, paging, whole_list_page(items))
        cursor = _cursor(runtime, account, d.resource, {}, page.next_state)
        return render.page(page.items, cursor, out)

    async def get_item(
        request: Request,
        runtime: RuntimeDep,
        provider: AccountProvider,
        item_id: str = Path(..., alias=f"{d.item}_id"),
        integrated_account_id: str = Query(...),
        source: Source = Query("live"),
        out: OutputOptions = Depends(output_options),
    ) -> Response:
        reject_unknown(request, ())
        if source == "store":
            stored.check_store_request(request, out)
            found = await d.get_stored(runtime.store, integrated_account_id, item_id)
            return render.one(found, out)
        return render.one(await d.get_live(provider, item_id), out)

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
        list_live=lambda provider: provider.list_users(),
        get_live=lambda provider, id_: provider.get_user(id_),
        list_stored=lambda store: store.list_users,
        get_stored=lambda store, account, id_: store.get_user(account, id_),
    )
)
_directory_routes(
    _Directory(
        "teams",
        "team",
        "source=store: in the name.",
        list_live=lambda provider: provider.list_teams(),
        get_live=lambda provider, id_: provider.get_team(id_),
        list_stored=lambda store: store.list_teams,
        get_stored=lambda store, account, id_: store.get_team(account, id_),
    )
)
