"""What the deal routes answer: the Deal shape, built from a stored row (no I/O)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from parley.insights.meeting_facts import customer_emails
from parley.insights.risk import Assessment, Playback, Risk
from parley.insights.risk_settings import RiskSettings
from parley.insights.search import seconds_param
from parley.providers.base import MediaKind
from parley.storage.tables_deals import Deal
from parley.unified import Meeting
from parley.unified.base import UtcDateTime

__all__ = [
    "AccountPlayback",
    "DealView",
    "deal_facts",
    "deal_view",
    "playback_of",
    "scoped_view",
    "visible_risk",
]

#: account id -> (meeting id, media kind) -> Parley's stable recording link.
AccountPlayback = Callable[[str], Callable[[str, MediaKind], str]]


class DealView(BaseModel):
    """A deal as the API shows it (`id` is the CRM opportunity id)."""

    id: str
    integrated_account_id: str
    name: str | None
    account_name: str | None
    stage: str | None
    meeting_count: int
    first_meeting_at: UtcDateTime | None
    last_meeting_at: UtcDateTime | None
    customer_emails: list[str]
    risk: Risk
    computed_at: UtcDateTime


def playback_of(links: AccountPlayback | None, account_id: str) -> Playback:
    """Evidence links of one account: the meeting's recording (video, else audio) at the
    second when known; None for a meeting without a recording."""
    link = links(account_id) if links is not None else None

    def play(meeting: Meeting, second: float | None) -> str | None:
        kind: MediaKind | None = None
        if meeting.video_recording_url:
            kind = "video"
        elif meeting.audio_recording_url:
            kind = "audio"
        if link is None or kind is None:
            return None
        url = link(meeting.id, kind)
        return url if second is None else f"{url}&t={seconds_param(second)}"

    return play


def _newest(meetings: Sequence[Meeting], field: str) -> str | None:
    for meeting in meetings:
        value = getattr(meeting.crm, field, None) if meeting.crm is not None else None
        if value:
            return str(value)
    return None


def deal_facts(meetings: Sequence[Meeting]) -> dict[str, Any]:
    """Name, account, stage, counts, dates and customer emails of a deal's meetings (the
    newest meeting that has a name, account or stage gives it)."""
    ordered = sorted(meetings, key=lambda m: (m.start_time is not None, m.start_time), reverse=True)
    starts = [m.start_time for m in meetings if m.start_time is not None]
    emails = sorted({email for m in meetings for email in customer_emails(m)})
    return {
        "name": _newest(ordered, "opportunity_name"),
        "account_name": _newest(ordered, "account_name"),
        "stage": _newest(ordered, "deal_stage"),
        "meeting_count": len(meetings),
        "first_meeting_at": min(starts) if starts else None,
        "last_meeting_at": max(starts) if starts else None,
        "customer_emails": emails,
    }


def visible_risk(assessment: Assessment, now: datetime, visible: set[str] | None) -> Risk:
    """The risk at `now`; with `visible` (meeting ids), evidence only from those meetings."""
    risk = assessment.risk(now)
    if visible is None:
        return risk
    signals = [
        signal.model_copy(
            update={"evidence": [e for e in signal.evidence if e.meeting_id in visible]}
        )
        for signal in risk.signals
    ]
    return risk.model_copy(update={"signals": signals})


def deal_view(
    row: Deal, settings: RiskSettings, now: datetime, visible: set[str] | None = None
) -> DealView:
    """The API shape of a stored deal, its risk judged at `now`."""
    assessment = Assessment.stored(row.risk, settings)
    return DealView(
        id=row.opportunity_id,
        integrated_account_id=row.account_id,
        name=row.name,
        account_name=row.account_name,
        stage=row.stage,
        meeting_count=row.meeting_count,
        first_meeting_at=row.first_meeting_at,
        last_meeting_at=row.last_meeting_at,
        customer_emails=list(row.customer_emails),
        risk=visible_risk(assessment, now, visible),
        computed_at=row.computed_at,
    )


#: The facts of a scoped view that come from the visible meetings only.
_SCOPED_FACTS = ("meeting_count", "first_meeting_at", "last_meeting_at", "customer_emails")


def scoped_view(
    row: Deal, settings: RiskSettings, now: datetime, visible: Sequence[Meeting]
) -> DealView:
    """The deal as an app user sees it, `visible` being the deal's meetings they may see:
    evidence, the meeting count and dates and the customer emails come from those only (the
    score, level and summaries stay the deal's own)."""
    view = deal_view(row, settings, now, {m.id for m in visible})
    facts = deal_facts(visible)
    return view.model_copy(update={key: facts[key] for key in _SCOPED_FACTS})
