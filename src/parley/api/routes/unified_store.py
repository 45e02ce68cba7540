"""`source=store` for the unified routes: the synced copy in the same shapes as live reads.

The unified routes call these once they know the read is a stored one; the account was
already resolved for the caller's tenant (404 otherwise). Nothing here talks to the provider.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from parley.api import render
from parley.api.params import ListOptions, OutputOptions
from parley.errors import InvalidRequestError, UnsupportedFilterError
from parley.reads.store import StoreMeetingFilters, StorePage
from parley.runtime import Runtime

__all__ = ["check_store_request", "envelope", "list_meetings", "reject_store_only"]


def reject_store_only(source: str, **given: object) -> None:
    """`updated_after` and `q` read the synced copy: on a live read they are a 400."""
    if source == "store":
        return
    for name, value in given.items():
        if value is not None:
            raise UnsupportedFilterError(
                f"{name!r} filters the synced copy only: add source=store.", param=name
            )


def check_store_request(request: Request, out: OutputOptions) -> None:
    """What a stored read cannot honour: the provider's raw JSON and remote queries."""
    if out.response_format == "raw":
        raise InvalidRequestError(
            "response_format=raw is the provider's own JSON: read it with source=live; "
            "the synced copy serves unified objects.",
            code="unsupported_parameter",
            param="response_format",
        )
    for key in request.query_params:
        if key.startswith("remote_query["):
            raise InvalidRequestError(
                f"{key} goes to the provider: it cannot apply to source=store.",
                code="unsupported_parameter",
                param=key,
            )


def envelope(page: StorePage[Any], out: OutputOptions) -> Response:
    """The list envelope of a stored page."""
    return render.page(page.items, page.next_cursor, out)


async def list_meetings(
    runtime: Runtime,
    account_id: str,
    filters: StoreMeetingFilters,
    paging: ListOptions,
    out: OutputOptions,
    *,
    expand: bool,
) -> Response:
    """Stored meetings in the list envelope."""
    page = await runtime.store.list_meetings(
        account_id,
        filters,
        limit=paging.limit,
        cursor=paging.next_cursor,
        expand_transcript=expand,
    )
    return envelope(page, out)
