"""Chorus endpoint calls -> raw JSON payloads, over the resilient HTTP client."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from parley.errors import (
    InvalidRequestError,
    ProviderError,
    ProviderResponseError,
    UnsupportedFilterError,
)
from parley.http import HttpOptions, RateLimitState, ResilientClient, json_body
from parley.providers.base import Credentials, MeetingFilters
from parley.providers.chorus.info import TYPE_VALUES
from parley.providers.chorus.listing_json import (
    EngagementRows,
    engagement_rows,
    engagement_rows_of,
)
from parley.providers.chorus.schemas import ChorusEngagementPage
from parley.unified import to_utc

__all__ = [
    "CONVERSATION_FIELDS",
    "CONVERSATION_FIELDS_STRICT",
    "ChorusClient",
    "describe_error",
    "engagement_params",
    "raw_token",
]

JSONAPI = "application/vnd.api+json"
JSON = "application/json"

#: what the mapping reads from a conversation, within the spec's `fields` allow-list
CONVERSATION_FIELDS_STRICT = (
    "name,status,language,_created_at,_modified_at,owner,participants,account,deal,meeting.id,"
    "private,recording.audio_only,recording.recordable,recording.start_time,recording.duration,"
    "recording.clusters,recording.utterances,recording.trackers"
)
#: the same plus the AI and calendar attributes the schema has but the allow-list omits
CONVERSATION_FIELDS = CONVERSATION_FIELDS_STRICT.replace("meeting.id", "meeting") + (
    ",generated_subject,summary,action_items,recording.unrecorded_reason"
)

_HEADS = {
    401: "Chorus rejected the API token (HTTP 401 on {call})",
    403: "Chorus refused {call} for this token's user (HTTP 403)",
    404: "Chorus found nothing at {call} (HTTP 404)",
    429: "Chorus rate limit exceeded on {call} (HTTP 429)",
}


def raw_token(token: str) -> str:
    """The token as Chorus wants it: raw, without a pasted `Bearer ` prefix."""
    text = token.strip()
    scheme, _, rest = text.partition(" ")
    return rest.strip() if rest and scheme.lower() == "bearer" else text


def describe_error(response: httpx.Response) -> str:
    """A clear message from a Chorus error: status, call and the JSON:API `errors[]` details."""
    status = response.status_code
    call = f"{response.request.method} {response.request.url.path}"
    if status in _HEADS:
        head = _HEADS[status].format(call=call)
    elif status >= 500:
        head = f"Chorus is unavailable: HTTP {status} on {call}"
    else:
        head = f"Chorus answered HTTP {status} to {call}"
    details = _error_details(response)
    message = f"{head}: {details}" if details else head
    if status == 401:
        message = message.rstrip(".") + ". Relink the account with a valid Chorus API token."
    return message


def _error_details(response: httpx.Response) -> str:
    try:
        body = json.loads(response.content)
    except ValueError:
        return ""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return ""
    parts = []
    for error in errors:
        if not isinstance(error, dict):
            continue
        text = str(error.get("detail") or error.get("title") or "").strip()
        source = error.get("source")
        parameter = source.get("parameter") if isinstance(source, dict) else None
        if parameter:
            text = f"{text} (parameter {parameter})"
        if error.get("code"):
            text = f"{text} [{error['code']}]"
        if text:
            parts.append(text)
    return "; ".join(parts)


def _iso(moment: datetime) -> str:
    return to_utc(moment).isoformat().replace("+00:00", "Z")


def _rows_of(response: httpx.Response) -> Any:
    # msgspec splits a well-formed page without decoding its rows; what it refuses goes to the
    # general decoder (ValueError there: not JSON at all, which is retried).
    try:
        return engagement_rows(response.content)
    except ValueError:
        body = json_body(response)
    return engagement_rows_of(body) or body


def engagement_params(filters: MeetingFilters) -> dict[str, str]:
    """`/v3/engagements` query parameters for unified filters (UnsupportedFilterError if not)."""
    # remote_query goes first so Parley's own translation of a unified filter wins.
    params = dict(filters.remote_query)
    if filters.start_time_after is not None:
        params["min_date"] = _iso(filters.start_time_after)
    if filters.start_time_before is not None:
        params["max_date"] = _iso(filters.start_time_before)
    if filters.user_ids:
        params["user_id"] = ",".join(filters.user_ids)
    if filters.team_ids:
        params["team_id"] = ",".join(filters.team_ids)
    if filters.participant_email:
        params["participants_email"] = filters.participant_email
    if filters.type is not None:
        if filters.type not in TYPE_VALUES:
            raise UnsupportedFilterError(
                f"Chorus can filter meetings by type {' or '.join(TYPE_VALUES)} only, "
                f"not {filters.type!r}.",
                param="type",
            )
        params["engagement_type"] = TYPE_VALUES[filters.type]
    if filters.min_duration is not None:
        params["min_duration"] = repr(float(filters.min_duration))
    params["with_trackers"] = "true" if filters.with_trackers else "false"
    params.pop("continuation_key", None)
    return params


def _segment(value: str) -> str:
    # Ids go into the path: quote them so an odd id cannot address another route.
    return quote(value, safe="")


class ChorusClient:
    """One Chorus account's endpoints; answers are raw JSON (mapping happens elsewhere)."""

    def __init__(
        self, credentials: Credentials, *, base_url: str, limiter_key: str, http: HttpOptions
    ) -> None:
        token = raw_token(credentials.api_token)
        if not token:
            raise InvalidRequestError("A Chorus API token is required.", param="api_token")
        self._fields = CONVERSATION_FIELDS
        self._http = ResilientClient(
            base_url=base_url.rstrip("/"),
            limiter_key=limiter_key,
            options=http,
            headers={"Authorization": token},
            describe=describe_error,
            scrub=(token, credentials.api_token),
        )

    async def _get(self, path: str, *, params: Mapping[str, str] | None = None) -> Any:
        accept = JSONAPI if path.startswith("/api/") else JSON
        return await self._http.request_json("GET", path, params=params, headers={"Accept": accept})

    async def me(self) -> Any:
        """`GET /api/v1/users/me`: the token's own user (a `UserDoc`)."""
        return await self._get("/api/v1/users/me")

    async def engagements(self, params: Mapping[str, str]) -> ChorusEngagementPage:
        """One `GET /v3/engagements` page."""
        body = await self._get("/v3/engagements", params=params)
        if not isinstance(body, dict):
            raise ProviderResponseError("Chorus sent a /v3/engagements page that is not an object.")
        return ChorusEngagementPage.model_validate(body)

    async def engagement_rows(self, params: Mapping[str, str]) -> EngagementRows:
        """One `GET /v3/engagements` page split into its rows' JSON text (the JSON list path)."""
        body = await self._http.request_json(
            "GET", "/v3/engagements", params=params, headers={"Accept": JSON}, decode=_rows_of
        )
        if not isinstance(body, EngagementRows):
            raise ProviderResponseError("Chorus sent a /v3/engagements page that is not an object.")
        return body

    async def conversation(self, conversation_id: str) -> Any:
        """`GET /api/v1/conversations/{id}` with the fields the mapping reads."""
        path = f"/api/v1/conversations/{_segment(conversation_id)}"
        params = {"fields": self._fields, "include_meeting_metadata": "true"}
        try:
            return await self._get(path, params=params)
        except ProviderError as exc:
            if exc.remote_status != 400 or self._fields == CONVERSATION_FIELDS_STRICT:
                raise
        # A Chorus that holds `fields` to its documented allow-list answers 400 to the extras:
        # fall back to the strict list for the rest of this client's life.
        self._fields = CONVERSATION_FIELDS_STRICT
        return await self._get(path, params={**params, "fields": self._fields})

    async def users(self) -> Any:
        """`GET /v3/users` (its shape is undocumented; the mapping reads all three)."""
        return await self._get("/v3/users")

    async def teams(self) -> Any:
        """`GET /api/v1/teams` (a `TeamsDoc`)."""
        return await self._get("/api/v1/teams")

    async def team(self, team_id: str) -> Any:
        """`GET /api/v1/teams/{id}` (a `TeamDoc`)."""
        return await self._get(f"/api/v1/teams/{_segment(team_id)}")

    async def media_info(self, conversation_id: str) -> Any:
        """`GET /api/v1/conversations/{id}/media?info=true`: the media's JSON description."""
        path = f"/api/v1/conversations/{_segment(conversation_id)}/media"
        return await self._http.request_json(
            "GET", path, params={"info": "true"}, headers={"Accept": JSON}
        )

    async def send_raw(
        self,
        method: str,
        path: str,
        *,
        params: list[tuple[str, str]] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Pass a request through with the token injected; the answer comes back verbatim."""
        url = httpx.URL(path)
        if not url.is_relative_url or path.startswith("//") or ".." in url.path.split("/"):
            raise InvalidRequestError(
                "Proxy paths must be relative to the Chorus base URL.", param="path"
            )
        sent = {
            k: v for k, v in (headers or {}).items() if k.lower() not in {"authorization", "host"}
        }
        if not any(k.lower() == "accept" for k in sent):
            sent["Accept"] = JSONAPI if url.path.startswith("/api/") else JSON
        return await self._http.send_raw(
            method.upper(),
            "/" + path.lstrip("/"),
            params=httpx.QueryParams(tuple(params or ())),
            content=content,
            headers=sent,
        )

    def rate_limit_state(self) -> RateLimitState:
        """This account's budget (for RateLimit-* headers)."""
        return self._http.rate_limit_state()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()
