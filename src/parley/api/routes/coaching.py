"""The coaching library: `/coaching/playlists…` and `/coaching/comments…` (faces.md §3).

Every route acts as the caller's app user when there is one (a scoped token, which may
write here and nowhere else; `Parley-As-User`; or, on a create, `app_user_id` in the body
with the API key), applying that user's scope inside the queries: an item or comment on a
meeting the user may not see is hidden, and such a meeting is a 404. The API key alone acts
as the developer, an admin of every account. Routes on one playlist or comment take an
optional `integrated_account_id` (required with `Parley-As-User`, as everywhere).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from parley.api import render
from parley.api.deps import AS_USER_HEADER, Caller, CoachingCaller, RuntimeDep, read_scope
from parley.api.params import reject_unknown
from parley.errors import InvalidRequestError
from parley.insights.coaching_views import UNSET, Viewer
from parley.runtime import Runtime

__all__ = ["router"]

router = APIRouter(tags=["coaching"])

_STRICT = ConfigDict(extra="forbid", strict=True)
_ACCOUNT = Field(..., min_length=1, max_length=36, description="The integrated account.")
_AS = Field(
    None,
    min_length=1,
    max_length=200,
    description="With the API key: the app user acting (as `Parley-As-User`); absent: you.",
)
_PLAYLIST_ID = Path(..., max_length=36, description="The playlist's id.")
_ITEM_ID = Path(..., max_length=36, description="The item's id.")


def _account_query() -> Any:
    return Query(
        None, description="The playlist's or comment's account (required with Parley-As-User)."
    )


class PlaylistCreate(BaseModel):
    model_config = _STRICT

    integrated_account_id: str = _ACCOUNT
    name: str = Field(..., description="1-200 characters.")
    description: str | None = Field(None, description="Up to 4,000 characters.")
    app_user_id: str | None = _AS


class PlaylistPatch(BaseModel):
    model_config = _STRICT

    name: str | None = Field(None, description="1-200 characters.")
    description: str | None = Field(None, description="Up to 4,000 characters; null clears it.")


class ItemCreate(BaseModel):
    model_config = _STRICT

    meeting_id: str = Field(..., min_length=1, max_length=200, description="A stored meeting.")
    start_time: float | None = Field(None, description="Clip start, seconds (absent: whole).")
    end_time: float | None = Field(None, description="Clip end, seconds, after start_time.")
    note: str | None = Field(None, description="Up to 4,000 characters.")


class ItemPatch(BaseModel):
    model_config = _STRICT

    position: int | None = Field(None, description="The new place, 0..n-1; others shift.")
    note: str | None = Field(None, description="Up to 4,000 characters; null clears it.")


class CommentCreate(BaseModel):
    model_config = _STRICT

    integrated_account_id: str = _ACCOUNT
    meeting_id: str = Field(..., min_length=1, max_length=200, description="A stored meeting.")
    start_time: float = Field(..., description="Seconds from the start of the meeting.")
    text: str = Field(..., description="1-4,000 characters.")
    app_user_id: str | None = _AS


def _acting(caller: Caller, app_user_id: str | None) -> Caller:
    """The caller acting as the body's `app_user_id`, when one is given."""
    if app_user_id is None:
        return caller
    acting = caller.grant.app_user_id if caller.grant is not None else caller.as_user
    if acting is not None and acting != app_user_id:
        raise InvalidRequestError(
            f"app_user_id names another app user than the one acting ({AS_USER_HEADER} or "
            "the scoped token): drop it, or send the same.",
            param="app_user_id",
        )
    return caller if caller.grant is not None else replace(caller, as_user=app_user_id)


async def _viewer(runtime: Runtime, caller: Caller, account_id: str | None) -> Viewer:
    reading = await read_scope(runtime, caller, account_id)
    return Viewer(reading.account_id, reading.app_user_id, reading.visible)


def _sent(body: BaseModel, field: str) -> Any:
    return getattr(body, field) if field in body.model_fields_set else UNSET


@router.post("/coaching/playlists", status_code=201, summary="Create a coaching playlist")
async def create_playlist(
    body: PlaylistCreate, caller: CoachingCaller, runtime: RuntimeDep
) -> dict[str, Any]:
    """An empty playlist of the account, owned by the app user acting (or by you)."""
    caller = _acting(caller, body.app_user_id)
    viewer = await _viewer(runtime, caller, body.integrated_account_id)
    view = await runtime.coaching.playlists.create(
        caller.tenant.id,
        body.integrated_account_id,
        body.name,
        body.description,
        owner=viewer.app_user_id,
    )
    return view.model_dump(mode="json")


@router.get("/coaching/playlists", summary="List coaching playlists")
async def list_playlists(
    request: Request,
    caller: CoachingCaller,
    runtime: RuntimeDep,
    integrated_account_id: str | None = Query(None, description="Only this account's."),
    limit: int = Query(50, ge=1, le=100, description="Playlists per page, 1..100."),
    next_cursor: str | None = Query(None, description="Opaque cursor from the previous page."),
) -> dict[str, Any]:
    """Playlists newest first, without their items; `item_count` counts the visible ones."""
    reject_unknown(request, ("integrated_account_id", "limit", "next_cursor"), unified=False)
    viewer = await _viewer(runtime, caller, integrated_account_id)
    views, cursor = await runtime.coaching.playlists.list(
        caller.tenant.id, viewer, limit=limit, cursor=next_cursor
    )
    return render.envelope([view.model_dump(mode="json") for view in views], cursor)


@router.get("/coaching/playlists/{playlist_id}", summary="Get a coaching playlist")
async def get_playlist(
    request: Request,
    caller: CoachingCaller,
    runtime: RuntimeDep,
    playlist_id: str = _PLAYLIST_ID,
    integrated_account_id: str | None = _account_query(),
) -> dict[str, Any]:
    """The playlist with its items in order (those on meetings you may see)."""
    reject_unknown(request, ("integrated_account_id",), unified=False)
    viewer = await _viewer(runtime, caller, integrated_account_id)
    view = await runtime.coaching.playlists.get(caller.tenant.id, playlist_id, viewer)
    return view.model_dump(mode="json")


@router.patch("/coaching/playlists/{playlist_id}", summary="Rename or describe a playlist")
async def update_playlist(
    request: Request,
    body: PlaylistPatch,
    caller: CoachingCaller,
    runtime: RuntimeDep,
    playlist_id: str = _PLAYLIST_ID,
    integrated_account_id: str | None = _account_query(),
) -> dict[str, Any]:
    """Change the fields sent (its owner or you only: 403 otherwise)."""
    reject_unknown(request, ("integrated_account_id",), unified=False)
    viewer = await _viewer(runtime, caller, integrated_account_id)
    view = await runtime.coaching.playlists.update(
        caller.tenant.id,
        playlist_id,
        viewer,
        name=_sent(body, "name"),
        description=_sent(body, "description"),
    )
    return view.model_dump(mode="json")


@router.delete("/coaching/playlists/{playlist_id}", summary="Delete a playlist")
async def delete_playlist(
    request: Request,
    caller: CoachingCaller,
    runtime: RuntimeDep,
    playlist_id: str = _PLAYLIST_ID,
    integrated_account_id: str | None = _account_query(),
) -> dict[str, Any]:
    """Forget the playlist and its items (its owner or you only)."""
    reject_unknown(request, ("integrated_account_id",), unified=False)
    viewer = await _viewer(runtime, caller, integrated_account_id)
    await runtime.coaching.playlists.delete(caller.tenant.id, playlist_id, viewer)
    return {"id": playlist_id}


@router.post(
    "/coaching/playlists/{playlist_id}/items", status_code=201, summary="Add a clip or meeting"
)
async def add_item(
    request: Request,
    body: ItemCreate,
    caller: CoachingCaller,
    runtime: RuntimeDep,
    playlist_id: str = _PLAYLIST_ID,
    integrated_account_id: str | None = _account_query(),
) -> dict[str, Any]:
    """Append a clip (`start_time`, optional `end_time`) or a whole meeting (neither)."""
    reject_unknown(request, ("integrated_account_id",), unified=False)
    viewer = await _viewer(runtime, caller, integrated_account_id)
    view = await runtime.coaching.playlists.add_item(
        caller.tenant.id,
        playlist_id,
        viewer,
        body.meeting_id,
        start_time=body.start_time,
        end_time=body.end_time,
        note=body.note,
    )
    return view.model_dump(mode="json")


@router.patch(
    "/coaching/playlists/{playlist_id}/items/{item_id}", summary="Move or annotate an item"
)
async def update_item(
    request: Request,
    body: ItemPatch,
    caller: CoachingCaller,
    runtime: RuntimeDep,
    playlist_id: str = _PLAYLIST_ID,
    item_id: str = _ITEM_ID,
    integrated_account_id: str | None = _account_query(),
) -> dict[str, Any]:
    """Move the item to `position` (the others shift to keep 0..n-1) and/or set its note."""
    reject_unknown(request, ("integrated_account_id",), unified=False)
    viewer = await _viewer(runtime, caller, integrated_account_id)
    view = await runtime.coaching.playlists.update_item(
        caller.tenant.id,
        playlist_id,
        item_id,
        viewer,
        position=_sent(body, "position"),
        note=_sent(body, "note"),
    )
    return view.model_dump(mode="json")


@router.delete("/coaching/playlists/{playlist_id}/items/{item_id}", summary="Remove an item")
async def delete_item(
    request: Request,
    caller: CoachingCaller,
    runtime: RuntimeDep,
    playlist_id: str = _PLAYLIST_ID,
    item_id: str = _ITEM_ID,
    integrated_account_id: str | None = _account_query(),
) -> dict[str, Any]:
    """Remove the item; those after it move up one."""
    reject_unknown(request, ("integrated_account_id",), unified=False)
    viewer = await _viewer(runtime, caller, integrated_account_id)
    await runtime.coaching.playlists.delete_item(caller.tenant.id, playlist_id, item_id, viewer)
    return {"id": item_id}


@router.post("/coaching/comments", status_code=201, summary="Comment at a moment of a meeting")
async def create_comment(
    body: CommentCreate, caller: CoachingCaller, runtime: RuntimeDep
) -> dict[str, Any]:
    """A comment by the app user acting (or by you); sends `coaching.comment_created`."""
    caller = _acting(caller, body.app_user_id)
    viewer = await _viewer(runtime, caller, body.integrated_account_id)
    view = await runtime.coaching.add_comment(
        caller.tenant.id,
        body.integrated_account_id,
        body.meeting_id,
        body.start_time,
        body.text,
        author=viewer.app_user_id,
        visible=viewer.visible,
    )
    return view.model_dump(mode="json")


@router.get("/coaching/comments", summary="A meeting's coaching comments")
async def list_comments(
    request: Request,
    caller: CoachingCaller,
    runtime: RuntimeDep,
    meeting_id: str = Query(..., min_length=1, max_length=200, description="A stored meeting."),
    integrated_account_id: str | None = Query(
        None, description="The meeting's account (a scoped token: its own by default)."
    ),
) -> dict[str, Any]:
    """Every comment of the meeting, by `start_time` (404 when you may not see it)."""
    reject_unknown(request, ("integrated_account_id", "meeting_id"), unified=False)
    viewer = await _viewer(runtime, caller, integrated_account_id)
    if viewer.account_id is None:
        raise InvalidRequestError(
            "integrated_account_id is required.", param="integrated_account_id"
        )
    views = await runtime.coaching.list_comments(
        caller.tenant.id, viewer.account_id, meeting_id, visible=viewer.visible
    )
    return render.envelope([view.model_dump(mode="json") for view in views])


@router.delete("/coaching/comments/{comment_id}", summary="Delete a coaching comment")
async def delete_comment(
    request: Request,
    caller: CoachingCaller,
    runtime: RuntimeDep,
    comment_id: str = Path(..., max_length=36, description="The comment's id."),
    integrated_account_id: str | None = _account_query(),
) -> dict[str, Any]:
    """Its author or you only: 403 for another user who may see it, 404 for one who may not."""
    reject_unknown(request, ("integrated_account_id",), unified=False)
    viewer = await _viewer(runtime, caller, integrated_account_id)
    await runtime.coaching.delete_comment(
        caller.tenant.id,
        comment_id,
        app_user_id=viewer.app_user_id,
        visible=viewer.visible,
        account_id=viewer.account_id,
    )
    return {"id": comment_id}
