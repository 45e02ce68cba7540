"""Query parameters shared by the unified list routes: parsing, validation, output shaping."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from fastapi import Query, Request

from parley.errors import InvalidRequestError
from parley.providers.base import MeetingFilters
from parley.unified import MeetingType
from parley.unified.base import to_utc

__all__ = [
    "MEETING_FILTERS",
    "ListOptions",
    "OutputOptions",
    "list_options",
    "meeting_filters",
    "output_options",
    "reject_unknown",
    "remote_query",
]

COMMON = frozenset(
    {
        "integrated_account_id",
        "response_format",
        "exclude_fields",
        "ignore_remote_data",
        "source",
    }
)
LIST = frozenset({"limit", "next_cursor"})
#: the unified meeting filters (`meeting_filters`), on live and stored reads alike
MEETING_FILTERS = (
    "start_time_after",
    "start_time_before",
    "user_id",
    "team_id",
    "participant_email",
    "type",
    "min_duration",
)


@dataclass(frozen=True)
class OutputOptions:
    """How to shape each object: unified or the provider's raw JSON, minus excluded fields."""

    response_format: Literal["unified", "raw"]
    exclude_fields: frozenset[str]
    ignore_remote_data: bool


@dataclass(frozen=True)
class ListOptions:
    """`limit` and `next_cursor` of a list route."""

    limit: int
    next_cursor: str | None


def output_options(
    response_format: Literal["unified", "raw"] = Query(
        "unified", description="`unified` (default) or `raw`: the provider's own JSON per object."
    ),
    exclude_fields: str | None = Query(
        None, description="Comma-separated top-level fields to omit, e.g. `transcript,remote_data`."
    ),
    ignore_remote_data: bool = Query(False, description="Drop `remote_data` from every object."),
) -> OutputOptions:
    """Dependency: output shaping options."""
    fields = frozenset(f.strip() for f in (exclude_fields or "").split(",") if f.strip())
    return OutputOptions(response_format, fields, ignore_remote_data)


def list_options(
    limit: int = Query(50, ge=1, le=500, description="Records per page, 1..500."),
    next_cursor: str | None = Query(None, description="Opaque cursor from the previous page."),
) -> ListOptions:
    """Dependency: paging options."""
    return ListOptions(limit=limit, next_cursor=next_cursor)


def meeting_filters(
    request: Request,
    start_time_after: datetime | None = Query(None, description="Meetings starting at or after."),
    start_time_before: datetime | None = Query(None, description="Meetings starting before."),
    user_id: str | None = Query(None, description="Owner user id(s), comma-separated."),
    team_id: str | None = Query(None, description="Owner team id(s), comma-separated."),
    participant_email: str | None = Query(None, description="A participant's email address."),
    type: MeetingType | None = Query(None, description="`meeting`, `call` or `other`."),
    min_duration: float | None = Query(None, ge=0, description="Minimum duration, seconds."),
) -> MeetingFilters:
    """Dependency: the unified meeting filters, built once, `remote_query[…]` included."""
    return MeetingFilters(
        start_time_after=utc(start_time_after),
        start_time_before=utc(start_time_before),
        user_ids=_split(user_id),
        team_ids=_split(team_id),
        participant_email=participant_email,
        type=type.value if type else None,
        min_duration=min_duration,
        remote_query=remote_query(request),
    )


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


def reject_unknown(request: Request, allowed: Iterable[str], *, unified: bool = True) -> None:
    """A parameter we do not know is a 400 naming it, never silently ignored.

    `unified` routes also take the common output parameters (`COMMON`) and `remote_query[…]`;
    the others (search, sync runs, webhooks) take only what they name.
    """
    known = set(allowed) | (COMMON if unified else set())
    for key in request.query_params:
        if key in known or (unified and key.startswith("remote_query[") and key.endswith("]")):
            continue
        raise InvalidRequestError(
            f"Unknown query parameter {key!r} for this route.", code="unknown_parameter", param=key
        )


def remote_query(request: Request) -> dict[str, str]:
    """`remote_query[x]=y` pairs, passed to the provider untouched."""
    out: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key.startswith("remote_query[") and key.endswith("]"):
            name = key[len("remote_query[") : -1]
            if not name:
                raise InvalidRequestError("Empty remote_query name.", param=key)
            out[name] = value
    return out


def utc(value: datetime | None) -> datetime | None:
    """Naive datetimes in query parameters are UTC."""
    return to_utc(value) if value is not None else None
