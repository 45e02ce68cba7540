"""Keyword rules (`/insights/keyword-rules`) and the snippet feed (`/insights/snippets`).

Rules are tenant configuration: only the developer's API key reads or writes them (a scoped
token answers 403, `Parley-As-User` 400 `scope_not_supported`). The feed is a stored read: a
scoped caller sees the snippets of the meetings it may see (insights.md §4).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from parley.api import render
from parley.api.deps import CurrentCaller, CurrentTenant, RuntimeDep, read_scope
from parley.api.params import reject_unknown, utc
from parley.insights.rules import RuleChange
from parley.insights.snippet_feed import FeedQuery

__all__ = ["router"]

router = APIRouter(tags=["insights"])

_FEED_PARAMS = (
    "rule_id",
    "integrated_account_id",
    "meeting_id",
    "start_time_after",
    "start_time_before",
    "limit",
    "next_cursor",
)


class RuleBody(BaseModel):
    """A rule's fields; each is checked by the service (400 naming it, `phrases[1]`…)."""

    model_config = ConfigDict(extra="forbid")

    name: Any = Field(None, description="What the rule finds, e.g. `Bugs` (1-200 characters).")
    phrases: Any = Field(
        None,
        description="1-100 phrases: words matched consecutively, case-insensitive, on word "
        "boundaries; a trailing `*` matches any continuation (`integrat*`).",
    )
    integrated_account_id: Any = Field(
        None, description="One of your accounts; null (default): every account."
    )
    speaker_type: Any = Field(None, description="`any` (default), `user` or `guest`.")
    context_seconds: Any = Field(None, description="Seconds of context, 0-120 (default 15).")
    enabled: Any = Field(None, description="`false` stops matching and removes its snippets.")
    notify_backfill: Any = Field(
        None, description="Send `keyword.matched` for snippets a re-scan finds (default false)."
    )

    def change(self) -> RuleChange:
        return RuleChange(**{k: getattr(self, k) for k in self.model_fields_set})


@router.post("/insights/keyword-rules", status_code=201, summary="Create a keyword rule")
async def create_rule(body: RuleBody, tenant: CurrentTenant, runtime: RuntimeDep) -> Any:
    """The rule, its backfill over the stored copy queued (`backfill.status`)."""
    view = await runtime.keywords.rules.create(tenant.id, body.change())
    return view.model_dump(mode="json")


@router.get("/insights/keyword-rules", summary="List keyword rules")
async def list_rules(
    request: Request,
    tenant: CurrentTenant,
    runtime: RuntimeDep,
    limit: int = Query(50, ge=1, le=100, description="Rules per page, 1..100."),
    next_cursor: str | None = Query(None, description="Opaque cursor from the previous page."),
) -> dict[str, Any]:
    """Your rules, oldest first, each with its backfill's progress."""
    reject_unknown(request, ("limit", "next_cursor"), unified=False)
    keywords = runtime.keywords
    after = None if next_cursor is None else keywords.cursors.rule_key(next_cursor, tenant.id)
    views, following = await keywords.rules.list(tenant.id, after=after, limit=limit)
    cursor = None if following is None else keywords.cursors.rule_cursor(following, tenant.id)
    return render.envelope([view.model_dump(mode="json") for view in views], cursor)


@router.get("/insights/keyword-rules/{rule_id}", summary="Get a keyword rule")
async def get_rule(
    request: Request, tenant: CurrentTenant, runtime: RuntimeDep, rule_id: str = Path(...)
) -> Any:
    """One rule (another tenant's answers 404), with its backfill's progress."""
    reject_unknown(request, (), unified=False)
    return (await runtime.keywords.rules.get(tenant.id, rule_id)).model_dump(mode="json")


@router.patch("/insights/keyword-rules/{rule_id}", summary="Change a keyword rule")
async def update_rule(
    body: RuleBody, tenant: CurrentTenant, runtime: RuntimeDep, rule_id: str = Path(...)
) -> Any:
    """Change the fields sent; new phrases, speaker type, context or account re-scan."""
    view = await runtime.keywords.rules.update(tenant.id, rule_id, body.change())
    return view.model_dump(mode="json")


@router.delete("/insights/keyword-rules/{rule_id}", summary="Delete a keyword rule")
async def delete_rule(
    tenant: CurrentTenant, runtime: RuntimeDep, rule_id: str = Path(...)
) -> dict[str, Any]:
    """Forget the rule and its snippets."""
    await runtime.keywords.rules.delete(tenant.id, rule_id)
    return {"id": rule_id}


@router.get("/insights/snippets", summary="The snippet feed")
async def list_snippets(
    request: Request,
    caller: CurrentCaller,
    runtime: RuntimeDep,
    rule_id: str | None = Query(None, description="Only this rule's snippets."),
    integrated_account_id: str | None = Query(None, description="Only this account's."),
    meeting_id: str | None = Query(None, description="Only this meeting's."),
    start_time_after: datetime | None = Query(None, description="Meetings starting at/after."),
    start_time_before: datetime | None = Query(None, description="Meetings starting at/before."),
    limit: int = Query(50, ge=1, le=100, description="Snippets per page, 1..100."),
    next_cursor: str | None = Query(None, description="Opaque cursor from the previous page."),
) -> dict[str, Any]:
    """Snippets of your rules in the synced copy: newest meeting first, then by start time.

    Acting as an app user, only the snippets of meetings that user may see."""
    reject_unknown(request, _FEED_PARAMS, unified=False)
    reading = await read_scope(runtime, caller, integrated_account_id)
    query = FeedQuery(
        tenant_id=caller.tenant.id,
        rule_id=rule_id,
        account_id=reading.account_id,
        meeting_id=meeting_id,
        start_time_after=utc(start_time_after),
        start_time_before=utc(start_time_before),
        app_user_id=reading.app_user_id,
    )
    result, cursor = await runtime.keywords.feed.page(
        query, limit=limit, cursor=next_cursor, visible=reading.visible
    )
    return render.envelope(result, cursor)
