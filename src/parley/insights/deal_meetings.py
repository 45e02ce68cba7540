"""The meetings a deal is judged on, read from the store: facts for all, transcripts for
the recent completed ones, and the view a scope lets through."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import TypeAdapter
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from parley.insights.deal_views import DealView, deal_view, scoped_view
from parley.insights.risk import recent_completed
from parley.insights.risk_settings import RiskSettings
from parley.storage import StoredMeeting
from parley.storage.repositories.deals import DealRepository
from parley.storage.tables_deals import Deal
from parley.unified import Meeting, TranscriptEntry

__all__ = ["MeetingVisibility", "stored_meeting", "visible_view", "with_recent_transcripts"]

#: A clause over `meetings` that lets through the meetings a caller may see.
MeetingVisibility = ColumnElement[bool]
#: One validation call per transcript (pydantic-core), not one per entry.
_ENTRIES = TypeAdapter(list[TranscriptEntry])


#: What deal facts read of a meeting that is not recent (the rest is validated only for
#: the recent ones: trackers, speakers and the rest cost most of a meeting's validation).
_FACTS = ("id", "status", "start_time", "attendees", "crm")


def stored_meeting(row: StoredMeeting, *, whole: bool) -> Meeting:
    if whole:
        # The raw payload is not read by any signal.
        return Meeting.model_validate({**row.data, "transcript": None, "remote_data": None})
    return Meeting.model_validate({key: row.data.get(key) for key in _FACTS if key in row.data})


async def visible_view(
    repository: DealRepository,
    row: Deal,
    settings: RiskSettings,
    now: datetime,
    visible: MeetingVisibility | None,
) -> DealView | None:
    """The deal as the caller sees it; None when a scope lets none of its meetings through."""
    if visible is None:
        return deal_view(row, settings, now)
    rows = await repository.meetings_of(row.account_id, row.opportunity_id, visible)
    if not rows:
        return None
    return scoped_view(row, settings, now, [stored_meeting(r, whole=False) for r in rows])


async def with_recent_transcripts(
    session: AsyncSession, account_id: str, rows: Sequence[StoredMeeting], recent: int
) -> list[Meeting]:
    """The deal's meetings; the recent completed ones with their transcripts."""
    facts = [stored_meeting(row, whole=False) for row in rows]
    chosen = {m.id for m in recent_completed(facts, recent)}
    meetings = [
        stored_meeting(row, whole=True) if row.id in chosen else fact
        for row, fact in zip(rows, facts, strict=True)
    ]
    details = [row.id for row in rows if row.has_details and row.id in chosen]
    lines = await DealRepository(session).transcript_lines(account_id, details)
    filled = []
    for meeting in meetings:
        if meeting.id in lines:
            transcript = _ENTRIES.validate_python(
                [
                    {"index": i, "speaker_type": k, "text": t, "start_time": a, "end_time": b}
                    for i, k, t, a, b in lines[meeting.id]
                ]
            )
            meeting = meeting.model_copy(update={"transcript": transcript})
        filled.append(meeting)
    return filled
