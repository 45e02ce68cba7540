"""The playback page's model: one stored meeting as the caller may see it, ready to render.

A web-level presenter over the services the API's stored reads use, with the same scope
(`runtime.callers`): the meeting and transcript (`runtime.store`, its media link bound to
the app user), its snippets (`runtime.keywords.feed`), its trackers, and its coaching
comments (`runtime.coaching`). A meeting the caller cannot see, or that is not in the
synced copy, is the 404 page, the same for both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from parley.errors import InvalidRequestError
from parley.insights.callers import Caller, ReadScope
from parley.insights.coaching import CommentView
from parley.runtime import Runtime
from parley.storage.repositories.snippet_feed import FeedQuery
from parley.unified import Meeting
from parley.web.templating import clock

__all__ = [
    "Comment",
    "Entry",
    "Marker",
    "PlaybackPage",
    "add_playback_comment",
    "playback_page",
    "playback_scope",
]

MarkerKind = Literal["tracker", "snippet", "comment"]
#: One page of the feed holds every snippet of one meeting in practice (rules x mentions).
_SNIPPETS_MAX = 100


@dataclass(frozen=True, slots=True)
class Entry:
    """One transcript entry as the page shows it."""

    index: int
    speaker: str
    speaker_type: str
    start: float
    end: float
    text: str
    #: The start as a clock (`m:ss`).
    at: str


@dataclass(frozen=True, slots=True)
class Marker:
    """A point on the timeline: a tracker mention, a snippet or a coaching comment."""

    kind: MarkerKind
    at: float
    label: str
    #: Left edge on the timeline, percent of the duration.
    position: float


@dataclass(frozen=True, slots=True)
class Comment:
    """A coaching comment at its time."""

    id: str
    at: float
    text: str
    author: str | None
    created_at: str | None = None

    @property
    def clock(self) -> str:
        """The comment's time as a clock."""
        return clock(self.at)


@dataclass(frozen=True)
class PlaybackPage:
    """Everything the playback template renders."""

    account_id: str
    meeting: Meeting
    audio_url: str | None
    duration: float
    entries: list[Entry]
    markers: list[Marker]
    comments: list[Comment] = field(default_factory=list)
    start_at: float | None = None
    can_comment: bool = False

    @property
    def title(self) -> str:
        """The meeting's title (or a stand-in)."""
        return self.meeting.title or "Untitled meeting"

    @property
    def people(self) -> list[str]:
        """Who attended, by name or email."""
        return [a.name or a.email or "Guest" for a in self.meeting.attendees]


def _entries(meeting: Meeting) -> list[Entry]:
    entries: list[Entry] = []
    for e in meeting.transcript or ():
        start = float(e.start_time or 0.0)
        end = float(e.end_time if e.end_time is not None else start)
        speaker = e.speaker_name or "Speaker"
        entries.append(
            Entry(e.index, speaker, e.speaker_type.value, start, end, e.text, clock(start))
        )
    return entries


def _duration(meeting: Meeting, entries: list[Entry]) -> float:
    if meeting.duration:
        return float(meeting.duration)
    return max((e.end for e in entries), default=0.0)


def _marker(kind: MarkerKind, at: float, label: str, duration: float) -> Marker:
    position = 0.0 if duration <= 0 else min(100.0, max(0.0, at / duration * 100))
    return Marker(kind, at, label, round(position, 3))


def _tracker_markers(meeting: Meeting, entries: list[Entry], duration: float) -> list[Marker]:
    starts = {e.index: e.start for e in entries}
    markers = []
    for tracker in meeting.trackers:
        for mention in tracker.mentions:
            at = starts.get(mention.segment_index)
            if at is not None:
                markers.append(_marker("tracker", at, tracker.name, duration))
    return markers


def _comment(view: CommentView) -> Comment:
    return Comment(
        id=view.id,
        at=view.start_time,
        text=view.text,
        author=view.author_app_user_id or "Developer",
        created_at=view.created_at.strftime("%Y-%m-%d %H:%M UTC"),
    )


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def playback_scope(runtime: Runtime, caller: Caller, account_id: str | None) -> ReadScope:
    """The one account a page reads and the caller's scope over it: a scoped token's own
    account by default; the developer names it (400 otherwise)."""
    if account_id is None and caller.grant is not None:
        account_id = caller.grant.account_id
    if not account_id:
        raise InvalidRequestError(
            "Add integrated_account_id: the account whose meeting to play.",
            param="integrated_account_id",
        )
    return await runtime.callers.account_scope(caller, account_id)


async def playback_page(
    runtime: Runtime,
    caller: Caller,
    account_id: str | None,
    meeting_id: str,
    *,
    start_at: float | None = None,
) -> PlaybackPage:
    """The page of one stored meeting for `caller` (404 when they cannot see it)."""
    reading = await playback_scope(runtime, caller, account_id)
    account = str(reading.account_id)
    feed = FeedQuery(
        tenant_id=caller.tenant.id,
        account_id=account,
        meeting_id=meeting_id,
        app_user_id=reading.app_user_id,
    )
    meeting = await runtime.store.get_meeting(account, meeting_id, scope=reading.scope)
    snippets, _ = await runtime.keywords.feed.page(
        feed, limit=_SNIPPETS_MAX, visible=reading.visible
    )
    views = await runtime.coaching.list_comments(
        caller.tenant.id, account, meeting_id, visible=reading.visible
    )
    entries = _entries(meeting)
    duration = _duration(meeting, entries)
    markers = _tracker_markers(meeting, entries, duration)
    markers += [
        _marker("snippet", float(s["start_time"]), f"{s['rule_name']}: {s['highlight']}", duration)
        for s in snippets
    ]
    comments = [_comment(view) for view in views]
    markers += [_marker("comment", c.at, _short(c.text), duration) for c in comments]
    markers.sort(key=lambda m: (m.at, m.kind))
    return PlaybackPage(
        account_id=account,
        meeting=meeting,
        audio_url=meeting.audio_recording_url or meeting.video_recording_url,
        duration=duration,
        entries=entries,
        markers=markers,
        comments=comments,
        start_at=None if start_at is None else min(start_at, duration or start_at),
        can_comment=True,
    )


async def add_playback_comment(
    runtime: Runtime,
    caller: Caller,
    account_id: str | None,
    meeting_id: str,
    start_time: float,
    text: str,
) -> CommentView:
    """A coaching comment from the page, by the caller's app user (None: the developer),
    on a meeting they may see (404 otherwise)."""
    reading = await playback_scope(runtime, caller, account_id)
    return await runtime.coaching.add_comment(
        caller.tenant.id,
        str(reading.account_id),
        meeting_id,
        start_time,
        text,
        author=caller.app_user_id,
        visible=reading.visible,
    )
