"""The dashboard page's model: team analytics and deals at risk of the visible meetings.

One read builds everything the page shows, through the same services (and so the same
scope) as `GET /insights/analytics` and `GET /insights/deals`:

- talk ratio per rep: the `group_by=user` report, every row (the API's rows, in its order);
- meetings per week: the `group_by=week` rows, oldest week first, weeks without a counted
  meeting between the first and the last filled with zeros (a line chart needs them);
  both come from `TeamAnalytics.overview`, one session for the two groupings;
- topic frequency: the totals' topics (the top 10 by meetings);
- deals at risk: the deals above `low`, highest score first, each signal's evidence
  linked to the playback page at its second.

Team and dates filter the analytics as `team_id`, `start_time_after` and `start_time_before`
do on the API; the deals are those of every visible meeting (a deal has no team of its own).
The charts draw from `charts`, the very numbers of the tables.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from parley.insights.analytics import AnalyticsQuery, GroupBy, TeamAnalytics
from parley.insights.analytics_rows import AnalyticsRow, Topic
from parley.insights.callers import Caller, CallerAuth
from parley.insights.deal_views import DealView
from parley.insights.deals import DealQuery, DealRiskService
from parley.insights.page_links import playback_page

__all__ = [
    "DEALS_SHOWN",
    "Dashboard",
    "DashboardFilters",
    "DashboardPage",
    "DealRow",
    "EvidenceLink",
    "SignalRow",
    "TeamOption",
    "WeekPoint",
]

#: How many deals at risk the page lists (the highest scores).
DEALS_SHOWN = 25
_WEEK = timedelta(days=7)


@dataclass(frozen=True)
class DashboardFilters:
    """The page's filters: owner team(s) and the meetings' start range."""

    team_ids: tuple[str, ...] = ()
    start_time_after: datetime | None = None
    start_time_before: datetime | None = None

    def analytics(self, group_by: GroupBy) -> AnalyticsQuery:
        """The same filters as an analytics report query."""
        return AnalyticsQuery(
            group_by=group_by,
            start_time_after=self.start_time_after,
            start_time_before=self.start_time_before,
            team_ids=self.team_ids,
        )


@dataclass(frozen=True)
class TeamOption:
    """A team the filter offers."""

    id: str
    name: str


@dataclass(frozen=True)
class WeekPoint:
    """One ISO week (Monday 00:00 UTC) and its counted meetings."""

    key: str
    name: str
    meetings: int


@dataclass(frozen=True)
class EvidenceLink:
    """One piece of a signal's evidence, linked to the playback page at its moment."""

    meeting_id: str
    meeting_start_time: datetime | None
    start_time: float | None
    text: str | None
    tracker: str | None
    href: str


@dataclass(frozen=True)
class SignalRow:
    """An active signal of a deal."""

    type: str
    weight: int
    summary: str
    evidence: list[EvidenceLink]


@dataclass(frozen=True)
class DealRow:
    """A deal at risk as the page lists it."""

    id: str
    name: str | None
    account_name: str | None
    stage: str | None
    score: int
    level: str
    meeting_count: int
    last_meeting_at: datetime | None
    signals: list[SignalRow]


@dataclass(frozen=True)
class DashboardPage:
    """Everything the dashboard shows."""

    account_id: str
    filters: DashboardFilters
    teams: list[TeamOption]
    reps: list[AnalyticsRow]
    totals: AnalyticsRow
    weeks: list[WeekPoint]
    topics: list[Topic]
    deals: list[DealRow]
    charts: dict[str, Any] = field(default_factory=dict)


def _week_start(key: str) -> date:
    return date.fromisoformat(key[:10])


def _week_name(day: date) -> str:
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


def week_points(rows: Sequence[AnalyticsRow]) -> list[WeekPoint]:
    """The weekly rows oldest first, the weeks between them without a meeting as zeros."""
    counts = {_week_start(row.key): row.meetings for row in rows if row.key}
    if not counts:
        return []
    points, day, last = [], min(counts), max(counts)
    while day <= last:
        key = f"{day.isoformat()}T00:00:00Z"
        points.append(WeekPoint(key, _week_name(day), counts.get(day, 0)))
        day += _WEEK
    return points


def _deal_row(view: DealView) -> DealRow:
    account = view.integrated_account_id
    signals = [
        SignalRow(
            type=signal.type,
            weight=signal.weight,
            summary=signal.summary,
            evidence=[
                EvidenceLink(
                    meeting_id=e.meeting_id,
                    meeting_start_time=e.meeting_start_time,
                    start_time=e.start_time,
                    text=e.text,
                    tracker=e.tracker,
                    href=playback_page(account, e.meeting_id, e.start_time),
                )
                for e in signal.evidence
            ],
        )
        for signal in view.risk.signals
    ]
    return DealRow(
        id=view.id,
        name=view.name,
        account_name=view.account_name,
        stage=view.stage,
        score=view.risk.score,
        level=view.risk.level,
        meeting_count=view.meeting_count,
        last_meeting_at=view.last_meeting_at,
        signals=signals,
    )


def charts_of(
    reps: Sequence[AnalyticsRow], weeks: Sequence[WeekPoint], topics: Sequence[Topic]
) -> dict[str, Any]:
    """The charts' data: the tables' own numbers (ratios as fractions, counts as counts)."""
    return {
        "talk": {
            "labels": [row.name or row.key or "" for row in reps],
            "talk_ratio": [row.talk_ratio for row in reps],
            "customer_talk_ratio": [row.customer_talk_ratio for row in reps],
        },
        "weeks": {
            "labels": [week.name for week in weeks],
            "meetings": [week.meetings for week in weeks],
        },
        "topics": {
            "labels": [topic.name for topic in topics],
            "meetings": [topic.meetings for topic in topics],
        },
    }


class Dashboard:
    """Builds the dashboard page of one account for one caller's scope."""

    def __init__(
        self, callers: CallerAuth, analytics: TeamAnalytics, deals: DealRiskService
    ) -> None:
        self._callers = callers
        self._analytics = analytics
        self._deals = deals

    async def page(
        self, caller: Caller, account_id: str, filters: DashboardFilters
    ) -> DashboardPage:
        """The page's teams, rep and week tables, topics, deals at risk and chart data, of
        the meetings `caller` may see (404 for an account that is not theirs)."""
        reading = await self._callers.account_scope(caller, account_id)
        tenant, account, visible = (
            caller.tenant.id,
            reading.account_id or account_id,
            reading.visible,
        )
        deals = DealQuery(account, sort="score", limit=DEALS_SHOWN, app_user_id=reading.app_user_id)
        # The report and the deals read apart, each in its own session: side by side.
        overview, (listed, _) = await asyncio.gather(
            self._analytics.overview(
                tenant, account, filters.analytics(GroupBy.USER), visible=visible
            ),
            self._deals.list_deals(tenant, deals, visible=visible),
        )
        reps, totals = overview.reps, overview.totals
        weeks = week_points(overview.weeks)
        return DashboardPage(
            account_id=account,
            filters=filters,
            teams=[TeamOption(team_id, name) for team_id, name in overview.teams],
            reps=reps,
            totals=totals,
            weeks=weeks,
            topics=totals.topics,
            deals=[_deal_row(view) for view in listed if view.risk.level != "low"],
            charts=charts_of(reps, weeks, totals.topics),
        )
