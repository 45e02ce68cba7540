"""The coaching library (faces.md §3): timestamped comments, and playlists (`.playlists`).

A comment is feedback at a second of a stored meeting. It is written by an app user (a
scoped token's, `Parley-As-User`'s, or the `app_user_id` an API key names) or by the
developer (None), on a meeting that author may see, and it sends `coaching.comment_created`
from the transaction that stores it. Reading it needs the same sight of its meeting: a
meeting the caller may not see, or that is not stored, is a 404 whether or not it has
comments. Deleting it is for its author or the developer; anyone else who can see it gets a
403, and who cannot, a 404.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from parley.errors import NotFoundError, PermissionDeniedError
from parley.insights.coaching_playlists import PlaylistService
from parley.insights.coaching_views import (
    MAX_COMMENT,
    CommentView,
    Viewer,
    account_not_found,
    meeting_id_field,
    meeting_not_found,
    seconds,
    text_field,
)
from parley.insights.snippet_feed import ListCursors
from parley.storage import Database, new_id, utcnow
from parley.storage.repositories.coaching import CoachingRepository
from parley.storage.repositories.events import EventRepository
from parley.storage.tables_coaching import CoachingComment

__all__ = ["COMMENT_CREATED", "CoachingService", "CommentView", "Viewer"]

COMMENT_CREATED = "coaching.comment_created"


def _comment_not_found(comment_id: str) -> NotFoundError:
    return NotFoundError(f"No coaching comment {comment_id!r}.", code="comment_not_found")


class CoachingService:
    """Comments here; playlists and their items in `self.playlists`."""

    def __init__(self, db: Database, cursors: ListCursors, *, public_url: str) -> None:
        self._db = db
        self.playlists = PlaylistService(db, cursors, public_url=public_url)

    async def add_comment(
        self,
        tenant_id: str,
        account_id: str,
        meeting_id: str,
        start_time: float,
        text: str,
        *,
        author: str | None,
        visible: ColumnElement[bool] | None,
    ) -> CommentView:
        """Store a comment at `start_time` seconds of a meeting `visible` lets through."""
        body = text_field(text, "text", MAX_COMMENT)
        meeting_id = meeting_id_field(meeting_id)
        seconds(start_time, "start_time")
        async with self._db.session() as session:
            repo = CoachingRepository(session)
            if not await repo.account_exists(tenant_id, account_id):
                raise account_not_found(account_id)
            meeting = await repo.meeting(account_id, meeting_id, visible)
            if meeting is None:
                raise meeting_not_found(meeting_id)
            now = utcnow()
            row = CoachingComment(
                id=new_id(),
                tenant_id=tenant_id,
                integrated_account_id=account_id,
                meeting_id=meeting_id,
                start_time=seconds(start_time, "start_time", meeting),
                text=body,
                author_app_user_id=author,
                created_at=now,
                updated_at=now,
            )
            await repo.add_comment(row)
            view = CommentView.of(row)
            await EventRepository(session).record(
                tenant_id, COMMENT_CREATED, view.model_dump(mode="json"), account_id=account_id
            )
        return view

    async def list_comments(
        self,
        tenant_id: str,
        account_id: str,
        meeting_id: str,
        *,
        visible: ColumnElement[bool] | None,
    ) -> list[CommentView]:
        """A meeting's comments by `start_time` (404 when `visible` hides the meeting)."""
        async with self._db.session() as session:
            repo = CoachingRepository(session)
            if not await repo.account_exists(tenant_id, account_id):
                raise account_not_found(account_id)
            if await repo.meeting(account_id, meeting_id, visible) is None:
                raise meeting_not_found(meeting_id)
            rows = await repo.comments(tenant_id, account_id, meeting_id, visible)
        return [CommentView.of(row) for row in rows]

    async def delete_comment(
        self,
        tenant_id: str,
        comment_id: str,
        *,
        app_user_id: str | None,
        visible: ColumnElement[bool] | None = None,
        account_id: str | None = None,
    ) -> None:
        """Delete a comment: by its author, or by an admin (`app_user_id` None).

        Anyone else gets a 403 when `visible` (their scope) lets its meeting through, a 404
        otherwise; without `visible`, a non-author always gets the 404 (nothing revealed).
        `account_id`: the caller's account, when it is bound to one (another's comment: 404).
        """
        async with self._db.session() as session:
            repo = CoachingRepository(session)
            row = await repo.comment(tenant_id, comment_id)
            if row is None or account_id not in (None, row.integrated_account_id):
                raise _comment_not_found(comment_id)
            if app_user_id is not None:
                seen = visible is not None and (
                    await repo.meeting(row.integrated_account_id, row.meeting_id, visible)
                    is not None
                )
                if visible is not None and not seen:
                    raise _comment_not_found(comment_id)
                if row.author_app_user_id != app_user_id:
                    if not seen:
                        raise _comment_not_found(comment_id)
                    raise PermissionDeniedError(
                        "Only the comment's author (or the developer's API key) may delete it."
                    )
            await repo.delete_comment(row)
