"""`GET /search`: ranked transcript hits across the caller's synced accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request

from parley.api import render
from parley.api.deps import CurrentCaller, RuntimeDep
from parley.api.params import reject_unknown, utc
from parley.errors import InvalidCursorError, InvalidRequestError
from parley.insights import SearchFilters, SearchPosition
from parley.reads.cursor import CursorState, filters_digest
from parley.storage.fulltext import MAX_QUERY_LENGTH
from parley.unified import SpeakerType

__all__ = ["router"]

router = APIRouter(tags=["search"])

ALLOWED = frozenset(
    {
        "q",
        "integrated_account_id",
        "start_time_after",
        "start_time_before",
        "speaker_type",
        "user_id",
        "limit",
        "next_cursor",
    }
)


def _position(state: CursorState) -> SearchPosition:
    if state.position is not None and not state.position.isdigit():
        raise InvalidCursorError("Malformed cursor.", param="next_cursor")
    before = int(state.position) if state.position is not None else None
    return SearchPosition(before, state.offset)


@router.get("/search", summary="Search transcripts")
async def search_transcripts(
    request: Request,
    runtime: RuntimeDep,
    caller: CurrentCaller,
    q: str | None = Query(
        None, max_length=MAX_QUERY_LENGTH, description='Words, "phrases", OR, -word, prefix*.'
    ),
    integrated_account_id: str | None = Query(
        None, description="One account; every account of the key's tenant when omitted."
    ),
    start_time_after: datetime | None = Query(None, description="Meetings starting at/after."),
    start_time_before: datetime | None = Query(None, description="Meetings starting at/before."),
    speaker_type: SpeakerType | None = Query(None, description="`user`, `guest` or `unknown`."),
    user_id: str | None = Query(None, description="Only what this (internal) user said."),
    limit: int = Query(20, ge=1, le=100, description="Hits per page, 1..100."),
    next_cursor: str | None = Query(None, description="Opaque cursor from the previous page."),
) -> dict[str, Any]:
    """Transcript entries matching `q` in the synced copy, best first, with playback links."""
    reject_unknown(request, ALLOWED, unified=False)
    text = (q or "").strip()
    if not text:
        raise InvalidRequestError("q must be a non-empty search text.", param="q")
    tenant = caller.tenant
    # One account (a scoped caller's own, 404 for another tenant's), or every account.
    reading = await runtime.callers.accounts_read(caller, integrated_account_id)
    accounts, scope = reading.account_ids, reading.scope
    if caller.grant is not None:
        integrated_account_id = integrated_account_id or caller.grant.account_id
    filters = SearchFilters(
        account_ids=accounts,
        start_time_after=utc(start_time_after),
        start_time_before=utc(start_time_before),
        speaker_type=speaker_type.value if speaker_type else None,
        user_id=user_id,
        scope=scope,
    )
    bound = {"q": text, "account": integrated_account_id, **vars(filters)}
    bound["scope"] = None if scope is None else scope.app_user_id
    digest = filters_digest(str(tenant.id), "search", bound)
    position = _position(runtime.cursors.decode(next_cursor, digest)) if next_cursor else None
    found = await runtime.search.search(text, filters, position=position, limit=limit)
    cursor = None
    if (following := found.next_position) is not None:
        before = None if following.before is None else str(following.before)
        cursor = runtime.cursors.encode(CursorState(before, following.skip), digest)
    result = [hit.model_dump(mode="json") for hit in found.hits]
    return render.envelope(result, cursor)
