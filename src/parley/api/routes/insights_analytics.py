"""`GET /insights/analytics` (JSON, paged) and `GET /insights/analytics.csv` (every row).

Stored reads: acting as an app user, only the meetings that user may see are counted, in
the rows and in the totals (insights.md §4).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request, Response

from parley.api.deps import CurrentCaller, RuntimeDep, read_scope
from parley.api.params import ListOptions, list_options, reject_unknown, utc
from parley.insights.analytics import AnalyticsQuery, AnalyticsReport, GroupBy
from parley.insights.analytics_rows import AnalyticsRow
from parley.reads.cursor import CursorState, filters_digest

__all__ = ["CSV_COLUMNS", "render_csv", "router"]

router = APIRouter(tags=["insights"])

FILTERS = frozenset(
    {
        "integrated_account_id",
        "group_by",
        "start_time_after",
        "start_time_before",
        "user_id",
        "team_id",
    }
)
CSV_COLUMNS = (
    "key",
    "name",
    "meetings",
    "total_duration",
    "avg_duration",
    "talk_ratio",
    "customer_talk_ratio",
    "longest_monologue",
    "topics",
)
# A spreadsheet runs a cell starting so as a formula: names come from the provider.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _ids(value: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in (value or "").split(",") if v.strip()))


def analytics_query(
    group_by: GroupBy = Query(GroupBy.USER, description="Rows per `user`, `team` or `week`."),
    start_time_after: datetime | None = Query(None, description="Meetings starting at/after."),
    start_time_before: datetime | None = Query(None, description="Meetings starting at/before."),
    user_id: str | None = Query(None, description="Owner user id(s), comma-separated."),
    team_id: str | None = Query(None, description="Owner team id(s), comma-separated."),
) -> AnalyticsQuery:
    """Dependency: the report's grouping and filters."""
    return AnalyticsQuery(
        group_by=group_by,
        start_time_after=utc(start_time_after),
        start_time_before=utc(start_time_before),
        user_ids=_ids(user_id),
        team_ids=_ids(team_id),
    )


@router.get("/insights/analytics", summary="Team analytics", response_model=AnalyticsReport)
async def team_analytics(
    request: Request,
    runtime: RuntimeDep,
    caller: CurrentCaller,
    integrated_account_id: str = Query(..., description="The integrated account to report on."),
    query: AnalyticsQuery = Depends(analytics_query),
    paging: ListOptions = Depends(list_options),
) -> AnalyticsReport:
    """Completed meetings with a transcript, per user, team or week, with pooled totals."""
    reject_unknown(request, FILTERS | {"limit", "next_cursor"}, unified=False)
    reading = await read_scope(runtime, caller, integrated_account_id)
    bound = {"account": integrated_account_id, "scope": reading.app_user_id, **vars(query)}
    digest = filters_digest(str(caller.tenant.id), "insights:analytics", bound)
    offset = runtime.cursors.decode(paging.next_cursor, digest).offset if paging.next_cursor else 0
    page = await runtime.analytics.report(
        caller.tenant.id,
        integrated_account_id,
        query,
        offset=offset,
        limit=paging.limit,
        visible=reading.visible,
    )
    cursor = None
    if page.next_offset is not None:
        cursor = runtime.cursors.encode(CursorState(None, page.next_offset), digest)
    return AnalyticsReport(
        result=page.rows, totals=page.totals, next_cursor=cursor, result_count=len(page.rows)
    )


@router.get("/insights/analytics.csv", summary="Team analytics as CSV")
async def team_analytics_csv(
    request: Request,
    runtime: RuntimeDep,
    caller: CurrentCaller,
    integrated_account_id: str = Query(..., description="The integrated account to report on."),
    query: AnalyticsQuery = Depends(analytics_query),
) -> Response:
    """Every row of the report, then the totals, as `text/csv`."""
    reject_unknown(request, FILTERS, unified=False)
    reading = await read_scope(runtime, caller, integrated_account_id)
    rows, totals = await runtime.analytics.export(
        caller.tenant.id, integrated_account_id, query, visible=reading.visible
    )
    return Response(
        render_csv([*rows, totals.model_copy(update={"name": "Totals"})]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="analytics.csv"'},
    )


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def render_csv(rows: list[AnalyticsRow]) -> str:
    """The header row, then one line per row: topics as `Name (meetings/mentions); …`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        topics = "; ".join(f"{t.name} ({t.meetings}/{t.mentions})" for t in row.topics)
        data = row.model_dump()
        writer.writerow([_cell(data[c]) for c in CSV_COLUMNS[:-1]] + [_cell(topics)])
    return out.getvalue()
