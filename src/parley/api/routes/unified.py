"""Unified Conversational Intelligence routes: meetings, transcripts, users, teams.

`source=live` (default) reads the provider; `source=store` the synced copy (`unified_store`).
"""

from __future__ import annotations

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
from parley.providers.base import MeetingFilters, Provider
from parley.reads.cursor import CursorState, filters_digest
from parley.reads.paging import Assembled, assemble_page, whole_list_page
from parley.reads.store import StoreMeetingFilters
from parley.runtime import Runtime
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

    async def fetch(position: str | None) -> Any:
        return await provider.list_meetings_page(filters, position)

    page = await _page(runtime, integrated_account_id, "meetings", key, paging, fetch)
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


async def _stored_directory(
    request: Request,
    list_stored: Any,
    account_id: str,
    paging: ListOptions,
    out: OutputOptions,
    *,
    updated_after: datetime | None,
    q: str | None,
) -> Response:
    """Users or teams from the synced copy."""
    stored.check_store_request(request, out)
    found = await list_stored(
        account_id,
        limit=paging.limit,
        cursor=paging.next_cursor,
        updated_after=utc(updated_after),
        q=q,
    )
    return stored.envelope(found, out)


async def _live_directory(
    runtime: Runtime,
    resource: str,
    items: list[Any],
    account_id: str,
    paging: ListOptions,
    out: OutputOptions,
) -> Response:
    """Users or teams: the provider's whole list, paged by Parley."""
    page = await _page(runtime, account_id, resource, {}, paging, whole_list_page(items))
    return render.page(page.items, _cursor(runtime, account_id, resource, {}, page.next_state), out)


@router.get("/users", summary="List users", response_model=JSON)
async def list_users(
    request: Request,
    runtime: RuntimeDep,
    provider: AccountProvider,
    integrated_account_id: str = Query(...),
    source: Source = Query("live"),
    updated_after: datetime | None = UPDATED_AFTER,
    q: str | None = Query(
        None, max_length=MAX_QUERY_LENGTH, description="source=store: in name or email."
    ),
    paging: ListOptions = Depends(list_options),
    out: OutputOptions = Depends(output_options),
) -> Response:
    """Users of the account."""
    reject_unknown(request, (*STORE_ONLY, *LIST))
    stored.reject_store_only(source, updated_after=updated_after, q=q)
    account = integrated_account_id
    if source == "store":
        store = runtime.store.list_users
        return await _stored_directory(
            request, store, account, paging, out, updated_after=updated_after, q=q
        )
    users = await provider.list_users()
    return await _live_directory(runtime, "users", users, account, paging, out)


@router.get("/users/{user_id}", summary="Get a user", response_model=JSON)
async def get_user(
    request: Request,
    runtime: RuntimeDep,
    provider: AccountProvider,
    user_id: str = Path(...),
    integrated_account_id: str = Query(...),
    source: Source = Query("live"),
    out: OutputOptions = Depends(output_options),
) -> Response:
    """One user (Chorus has no get-by-id; Parley resolves it from the list)."""
    reject_unknown(request, ())
    if source == "store":
        stored.check_store_request(request, out)
        return render.one(await runtime.store.get_user(integrated_account_id, user_id), out)
    return render.one(await provider.get_user(user_id), out)


@router.get("/teams", summary="List teams", response_model=JSON)
async def list_teams(
    request: Request,
    runtime: RuntimeDep,
    provider: AccountProvider,
    integrated_account_id: str = Query(...),
    source: Source = Query("live"),
    updated_after: datetime | None = UPDATED_AFTER,
    q: str | None = Query(
        None, max_length=MAX_QUERY_LENGTH, description="source=store: in the name."
    ),
    paging: ListOptions = Depends(list_options),
    out: OutputOptions = Depends(output_options),
) -> Response:
    """Teams of the account."""
    reject_unknown(request, (*STORE_ONLY, *LIST))
    stored.reject_store_only(source, updated_after=updated_after, q=q)
    account = integrated_account_id
    if source == "store":
        store = runtime.store.list_teams
        return await _stored_directory(
            request, store, account, paging, out, updated_after=updated_after, q=q
        )
    teams = await provider.list_teams()
    return await _live_directory(runtime, "teams", teams, account, paging, out)


@router.get("/teams/{team_id}", summary="Get a team", response_model=JSON)
async def get_team(
    request: Request,
    runtime: RuntimeDep,
    provider: AccountProvider,
    team_id: str = Path(...),
    integrated_account_id: str = Query(...),
    source: Source = Query("live"),
    out: OutputOptions = Depends(output_options),
) -> Response:
    """One team."""
    reject_unknown(request, ())
    if source == "store":
        stored.check_store_request(request, out)
        return render.one(await runtime.store.get_team(integrated_account_id, team_id), out)
    return render.one(await provider.get_team(team_id), out)
