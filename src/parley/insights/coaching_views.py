"""The coaching library's shapes and input checks (faces.md §3).

A caller is a `Viewer`: the account it is bound to, the app user it acts as (None: the
developer's own API key, an admin) and its scope over the account's meetings (`visible`, a
clause over `meetings`; None: every stored meeting). Every check that fails raises an
`InvalidRequestError` naming the field (`param`), before anything is written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement

from parley.errors import InvalidRequestError, NotFoundError, PermissionDeniedError
from parley.insights.page_links import playback_page
from parley.storage.repositories.coaching import ItemRow, MeetingFacts
from parley.storage.tables_coaching import CoachingComment, CoachingPlaylist

__all__ = [
    "MAX_COMMENT",
    "MAX_DESCRIPTION",
    "MAX_ITEMS",
    "MAX_NAME",
    "MAX_NOTE",
    "UNSET",
    "CommentView",
    "PlaylistItemView",
    "PlaylistView",
    "Viewer",
    "account_not_found",
    "app_playback_url",
    "item_view",
    "meeting_id_field",
    "meeting_not_found",
    "not_owner",
    "optional_text",
    "playlist_not_found",
    "seconds",
    "text_field",
]

MAX_COMMENT = 4000
MAX_NAME = 200
MAX_DESCRIPTION = 4000
MAX_NOTE = 4000
#: Items one playlist holds at most (a curated list, not a feed).
MAX_ITEMS = 500
#: A PATCH field that was not sent.
UNSET: Any = object()


@dataclass(frozen=True)
class Viewer:
    """Who acts on the library: bound account, app user (None: admin) and meeting scope."""

    #: The account the caller is bound to (None: any account of the tenant).
    account_id: str | None = None
    app_user_id: str | None = None
    visible: ColumnElement[bool] | None = None

    @property
    def is_admin(self) -> bool:
        """True for the developer's own API key, not acting as an app user."""
        return self.app_user_id is None


class CommentView(BaseModel):
    """A coaching comment as the API answers it."""

    id: str
    integrated_account_id: str
    meeting_id: str
    #: Seconds from the start of the meeting.
    start_time: float
    text: str
    #: The app user who wrote it; None: the developer (an API key, not acting as a user).
    author_app_user_id: str | None
    created_at: datetime

    @classmethod
    def of(cls, row: CoachingComment) -> CommentView:
        return cls(
            id=row.id,
            integrated_account_id=row.integrated_account_id,
            meeting_id=row.meeting_id,
            start_time=row.start_time,
            text=row.text,
            author_app_user_id=row.author_app_user_id,
            created_at=row.created_at,
        )


class PlaylistItemView(BaseModel):
    """One item: a clip (`start_time`..`end_time`) or a whole meeting (both null)."""

    id: str
    playlist_id: str
    meeting_id: str
    meeting_title: str | None
    meeting_start_time: datetime | None
    meeting_duration: float | None
    #: The item's place in its playlist, from 0.
    position: int
    start_time: float | None
    end_time: float | None
    note: str | None
    #: The playback page at the item's start (`/app/meetings/{id}?…&t=`).
    playback_url: str
    created_at: datetime
    updated_at: datetime


class PlaylistView(BaseModel):
    """A playlist; `items` (the caller's visible ones, in order) on a get only."""

    id: str
    integrated_account_id: str
    name: str
    description: str | None
    #: The app user who made it; None: the developer.
    owner_app_user_id: str | None
    #: Items the caller may see.
    item_count: int
    items: list[PlaylistItemView] | None = None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(
        cls, row: CoachingPlaylist, count: int, items: list[PlaylistItemView] | None = None
    ) -> PlaylistView:
        return cls(
            id=row.id,
            integrated_account_id=row.integrated_account_id,
            name=row.name,
            description=row.description,
            owner_app_user_id=row.owner_app_user_id,
            item_count=count,
            items=items,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


def app_playback_url(public_url: str, account_id: str, meeting_id: str, at: float | None) -> str:
    """The playback page of a stored meeting, starting at second `at` (or its start)."""
    return public_url.rstrip("/") + playback_page(account_id, meeting_id, at)


def item_view(public_url: str, row: ItemRow) -> PlaylistItemView:
    """The API shape of a stored item and its meeting."""
    item, meeting = row.item, row.meeting
    return PlaylistItemView(
        id=item.id,
        playlist_id=item.playlist_id,
        meeting_id=item.meeting_id,
        meeting_title=meeting.title,
        meeting_start_time=meeting.start_time,
        meeting_duration=meeting.duration,
        position=item.position,
        start_time=item.start_time,
        end_time=item.end_time,
        note=item.note,
        playback_url=app_playback_url(
            public_url, item.integrated_account_id, item.meeting_id, item.start_time
        ),
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


# -- checks -------------------------------------------------------------------------------


def text_field(value: Any, param: str, limit: int) -> str:
    """A string of 1..`limit` characters (surrounding whitespace dropped)."""
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
        raise InvalidRequestError(
            f"{param} must be a non-empty string of at most {limit:,} characters.", param=param
        )
    return value.strip()


def optional_text(value: Any, param: str, limit: int) -> str | None:
    """`text_field`, or None (null: none, or cleared)."""
    return None if value is None else text_field(value, param, limit)


def seconds(value: Any, param: str, meeting: MeetingFacts | None = None) -> float:
    """A second of a meeting: a finite number ≥ 0, not past its duration when known."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidRequestError(f"{param} must be a number of seconds.", param=param)
    if value < 0:
        raise InvalidRequestError(f"{param} must be 0 or more seconds.", param=param)
    if meeting is not None and meeting.duration is not None and value > meeting.duration:
        raise InvalidRequestError(
            f"{param} is past the end of the meeting ({meeting.duration:g} seconds long).",
            param=param,
        )
    return float(value)


def meeting_id_field(value: Any) -> str:
    """A meeting id: a string of 1..200 characters."""
    if not isinstance(value, str) or not value or len(value) > 200:
        raise InvalidRequestError(
            "meeting_id must be a stored meeting's id (1 to 200 characters).", param="meeting_id"
        )
    return value


def account_not_found(account_id: str) -> NotFoundError:
    """404 for an account that is not the caller's."""
    return NotFoundError(
        f"No integrated account {account_id!r} for this key.", code="integrated_account_not_found"
    )


def meeting_not_found(meeting_id: str) -> NotFoundError:
    """404 for a meeting that is not stored, or that the caller may not see."""
    return NotFoundError(f"No stored meeting {meeting_id!r}.", code="meeting_not_found")


def playlist_not_found(playlist_id: str) -> NotFoundError:
    """404 for a playlist that is not the caller's."""
    return NotFoundError(f"No coaching playlist {playlist_id!r}.", code="playlist_not_found")


def not_owner(what: str) -> PermissionDeniedError:
    """403 for a change by someone other than its owner or an admin."""
    return PermissionDeniedError(
        f"Only the app user who made this {what} (or the developer's API key) may change it."
    )
