"""Stored reads (`source=store`): the synced copy in the unified shapes, never the provider.

Same objects, list envelope and signed cursors as live reads. Cursors carry a keyset
position (meetings: start time and id; users and teams: id) and are bound to the account,
the resource *as read from the store* and the filters, so a live cursor is refused here
and a store cursor on a live read.

A `scope` (`storage.scope.MeetingScope`, an app user's) goes into the meetings query
itself: a scoped page holds exactly the visible meetings, its cursors are bound to the app
user, and a meeting outside the scope is a 404 like one that does not exist.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel

from parley.errors import InvalidCursorError, NotFoundError
from parley.providers.base import MediaKind, MeetingFilters, RecordingUrl
from parley.reads.cursor import CursorCodec, CursorState, filters_digest
from parley.reads.paging import assemble_page, whole_list_page
from parley.storage import (
    Database,
    StoredMeeting,
    StoredTeam,
    StoredTranscriptEntry,
    StoredUser,
)
from parley.storage.fulltext import parse_text_query
from parley.storage.repositories.store_reads import MeetingKey, MeetingQuery, StoreReadRepository
from parley.storage.scope import MeetingScope
from parley.unified import Meeting, Team, Transcript, TranscriptEntry, User, transcript_of

__all__ = ["MAX_TOPIC_LENGTH", "StoreMeetingFilters", "StorePage", "StoreReader"]

#: The longest `topic` filter (a topic name is a provider tracker's name).
MAX_TOPIC_LENGTH = 500

T = TypeVar("T")
P = TypeVar("P", bound=BaseModel)


@dataclass(frozen=True)
class StoreMeetingFilters:
    """The unified meeting filters plus the store's own `updated_after`, `q` and `topic`."""

    meeting: MeetingFilters = field(default_factory=MeetingFilters)
    updated_after: datetime | None = None
    q: str | None = None
    #: A topic name (`Meeting.topics`), matched whole and case-insensitively.
    topic: str | None = None

    def bound(self) -> dict[str, Any]:
        """What a cursor is bound to (the provider-only fields mean nothing here)."""
        values = asdict(self.meeting)
        del values["with_trackers"], values["remote_query"]
        return {
            **values,
            "updated_after": self.updated_after,
            "q": self.q,
            "topic": self.topic,
        }


@dataclass(frozen=True)
class StorePage(Generic[T]):
    """One page of stored objects and the cursor of the next (None at the end)."""

    items: list[T]
    next_cursor: str | None = None


#: (account id, app user id or "") -> the recording-link builder (`accounts.MediaLinks`):
#: links expire, so a stored meeting's are minted again on every read; a scoped read's are
#: bound to its app user, whom the link's redirect checks again (`MediaLinkService`).
RecordingLinks = Callable[[str, str], RecordingUrl]


_KINDS: tuple[MediaKind, ...] = ("audio", "video")


def _fresh_links(row: StoredMeeting, link: RecordingUrl | None) -> dict[str, Any]:
    fresh = {**row.data, "transcript": None}
    if link is not None:
        for kind in _KINDS:
            if fresh.get(f"{kind}_recording_url"):
                fresh[f"{kind}_recording_url"] = link(row.id, kind)
    return fresh


def _meeting(
    row: StoredMeeting,
    entries: list[StoredTranscriptEntry] | None,
    link: RecordingUrl | None = None,
) -> Meeting:
    meeting = Meeting.model_validate(_fresh_links(row, link))
    if entries is None:
        # The list-level shape, as a live list answers: no transcript, speakers or summary.
        return meeting.model_copy(update={"speakers": None, "summary": None})
    transcript = [
        TranscriptEntry.model_validate(
            {
                "index": e.index,
                "speaker_id": e.speaker_id,
                "speaker_name": e.speaker_name,
                "speaker_type": e.speaker_type,
                "text": e.text,
                "start_time": e.start_time,
                "end_time": e.end_time,
            }
        )
        for e in entries
    ]
    # A meeting synced before its details were fetched has no transcript yet (as live: null).
    return meeting.model_copy(update={"transcript": transcript if row.has_details else None})


def _meeting_key(position: list[Any]) -> MeetingKey:
    if len(position) != 2 or position[1] is None:
        raise InvalidCursorError("Malformed cursor.", param="next_cursor")
    try:
        when = datetime.fromisoformat(position[0]) if position[0] else None
    except ValueError:
        raise InvalidCursorError("Malformed cursor.", param="next_cursor") from None
    return MeetingKey(when, position[1])


def _meeting_not_found(meeting_id: str) -> NotFoundError:
    return NotFoundError(
        f"No meeting {meeting_id!r} in the synced copy of this account.",
        code="meeting_not_found",
    )


def _as_user(scope: MeetingScope | None) -> dict[str, str]:
    """What a scoped cursor is bound to besides the filters: the app user."""
    return {} if scope is None else {"as_user": scope.app_user_id}


def _digest(account_id: str, resource: str, filters: Mapping[str, Any]) -> str:
    return filters_digest(account_id, f"store:{resource}", filters)


class StoreReader:
    """Reads of the synced copy for one account at a time."""

    def __init__(
        self, db: Database, cursors: CursorCodec, *, recording_links: RecordingLinks | None = None
    ) -> None:
        self._db = db
        self._cursors = cursors
        self._links = recording_links

    # -- cursors ------------------------------------------------------------------------

    def _open(self, cursor: str | None, digest: str) -> list[Any] | None:
        if not cursor:
            return None
        state = self._cursors.decode(cursor, digest)
        try:
            position = json.loads(state.position or "")
        except ValueError:
            position = None
        if not isinstance(position, list) or not all(
            isinstance(p, str) or p is None for p in position
        ):
            raise InvalidCursorError("Malformed cursor.", param="next_cursor")
        return position

    def _seal(self, position: list[str | None], digest: str) -> str:
        return self._cursors.encode(CursorState(json.dumps(position), 0), digest)

    def _link(self, account_id: str, scope: MeetingScope | None = None) -> RecordingUrl | None:
        if self._links is None:
            return None
        return self._links(account_id, "" if scope is None else scope.app_user_id)

    # -- meetings -----------------------------------------------------------------------

    async def list_meetings(
        self,
        account_id: str,
        filters: StoreMeetingFilters,
        *,
        limit: int,
        cursor: str | None = None,
        expand_transcript: bool = False,
        scope: MeetingScope | None = None,
    ) -> StorePage[Meeting]:
        """Stored meetings, newest first, `limit` per page, each exactly once."""
        digest = _digest(account_id, "meetings", {**filters.bound(), **_as_user(scope)})
        position = self._open(cursor, digest)
        after = None if position is None else _meeting_key(position)
        async with self._db.session() as session:
            repository = StoreReadRepository(session)
            query = await self._query(repository, account_id, filters, scope)
            rows = await repository.meetings(account_id, query, after, limit + 1)
            page, more = rows[:limit], len(rows) > limit
            entries = None
            if expand_transcript:
                entries = await repository.transcripts(account_id, [r.id for r in page])
        link = self._link(account_id, scope)
        meetings = [_meeting(r, entries[r.id] if entries is not None else None, link) for r in page]
        next_cursor = None
        if more:
            last = page[-1]
            stamp = last.start_time.isoformat() if last.start_time else None
            next_cursor = self._seal([stamp, last.id], digest)
        return StorePage(meetings, next_cursor)

    @staticmethod
    async def _query(
        repository: StoreReadRepository,
        account_id: str,
        filters: StoreMeetingFilters,
        scope: MeetingScope | None,
    ) -> MeetingQuery:
        meeting = filters.meeting
        owners: tuple[str, ...] | None = meeting.user_ids or None
        if meeting.team_ids:
            members = await repository.team_members(account_id, meeting.team_ids)
            owners = tuple(sorted(members if owners is None else members & set(owners)))
        q = (filters.q or "").strip() or None
        topic = (filters.topic or "").strip() or None
        return MeetingQuery(
            start_time_after=meeting.start_time_after,
            start_time_before=meeting.start_time_before,
            owner_user_ids=owners,
            participant_email=meeting.participant_email,
            type=meeting.type,
            min_duration=meeting.min_duration,
            updated_after=filters.updated_after,
            text=parse_text_query(q) if q else None,
            title_like=q,
            topic=topic,
            scope=scope,
        )

    async def get_meeting(
        self, account_id: str, meeting_id: str, *, scope: MeetingScope | None = None
    ) -> Meeting:
        """The stored meeting with its transcript (404 when it is not in the store, or
        outside `scope`: the answer is the same, so a scope never reveals a meeting)."""
        async with self._db.session() as session:
            repository = StoreReadRepository(session)
            row = await repository.meeting(account_id, meeting_id, scope)
            if row is None:
                raise _meeting_not_found(meeting_id)
            entries = await repository.transcripts(account_id, [meeting_id])
        return _meeting(row, entries[meeting_id], self._link(account_id, scope))

    async def check_visible(self, account_id: str, meeting_id: str, scope: MeetingScope) -> None:
        """404 `meeting_not_found` unless the stored meeting is inside `scope`."""
        async with self._db.session() as session:
            if await StoreReadRepository(session).meeting(account_id, meeting_id, scope) is None:
                raise _meeting_not_found(meeting_id)

    async def get_transcript(
        self, account_id: str, meeting_id: str, *, scope: MeetingScope | None = None
    ) -> Transcript:
        """The Truto-compatible transcript resource of a stored meeting."""
        return transcript_of(await self.get_meeting(account_id, meeting_id, scope=scope))

    async def list_transcripts(
        self,
        account_id: str,
        meeting_id: str,
        *,
        limit: int,
        cursor: str | None = None,
        scope: MeetingScope | None = None,
    ) -> StorePage[Transcript]:
        """The transcripts of one stored meeting (its one transcript), paged like every list."""
        digest = _digest(account_id, "transcripts", {"meeting_id": meeting_id, **_as_user(scope)})
        start = self._cursors.decode(cursor, digest) if cursor else CursorState(None, 0)
        transcripts = [await self.get_transcript(account_id, meeting_id, scope=scope)]
        page = await assemble_page(whole_list_page(transcripts), start, limit)
        following = page.next_state
        return StorePage(
            page.items, None if following is None else self._cursors.encode(following, digest)
        )

    # -- users and teams ----------------------------------------------------------------

    async def list_users(
        self,
        account_id: str,
        *,
        limit: int,
        cursor: str | None = None,
        updated_after: datetime | None = None,
        q: str | None = None,
    ) -> StorePage[User]:
        """Stored users in id order."""
        return await self._list_by_id(User, "users", account_id, limit, cursor, updated_after, q)

    async def get_user(self, account_id: str, user_id: str) -> User:
        """One stored user (404 otherwise)."""
        return await self._get_by_id(User, "user", account_id, user_id)

    async def list_teams(
        self,
        account_id: str,
        *,
        limit: int,
        cursor: str | None = None,
        updated_after: datetime | None = None,
        q: str | None = None,
    ) -> StorePage[Team]:
        """Stored teams in id order."""
        return await self._list_by_id(Team, "teams", account_id, limit, cursor, updated_after, q)

    async def get_team(self, account_id: str, team_id: str) -> Team:
        """One stored team (404 otherwise)."""
        return await self._get_by_id(Team, "team", account_id, team_id)

    async def _list_by_id(
        self,
        model: type[P],
        resource: Literal["users", "teams"],
        account_id: str,
        limit: int,
        cursor: str | None,
        updated_after: datetime | None,
        q: str | None,
    ) -> StorePage[P]:
        digest = _digest(account_id, resource, {"updated_after": updated_after, "q": q})
        after = self._after_id(self._open(cursor, digest))
        async with self._db.session() as session:
            repository = StoreReadRepository(session)
            fetch = repository.users if resource == "users" else repository.teams
            rows: Sequence[StoredUser | StoredTeam] = await fetch(
                account_id, after_id=after, limit=limit + 1, updated_after=updated_after, q=q
            )
        items = [model.model_validate(row.data) for row in rows[:limit]]
        more = len(rows) > limit
        return StorePage(items, self._seal([rows[limit - 1].id], digest) if more else None)

    async def _get_by_id(
        self, model: type[P], kind: Literal["user", "team"], account_id: str, object_id: str
    ) -> P:
        async with self._db.session() as session:
            repository = StoreReadRepository(session)
            get = repository.user if kind == "user" else repository.team
            row: StoredUser | StoredTeam | None = await get(account_id, object_id)
        if row is None:
            raise NotFoundError(
                f"No {kind} {object_id!r} in the synced copy of this account.",
                code=f"{kind}_not_found",
            )
        return model.model_validate(row.data)

    @staticmethod
    def _after_id(position: list[Any] | None) -> str | None:
        if position is None:
            return None
        if len(position) != 1 or not isinstance(position[0], str):
            raise InvalidCursorError("Malformed cursor.", param="next_cursor")
        return str(position[0])
