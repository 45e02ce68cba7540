"""The Chorus routes and the Starlette app that serves them (plus media and admin)."""

from __future__ import annotations

import math
from collections import deque

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from parley.sandbox.admin import admin_routes
from parley.sandbox.config import SandboxConfig
from parley.sandbox.edge import USER_SCOPE_KEY, ChorusEdgeMiddleware
from parley.sandbox.media import media_routes
from parley.sandbox.meetings import Meeting
from parley.sandbox.params import (
    EngagementQuery,
    ParamError,
    parse_bool,
    parse_engagement_query,
    parse_fields,
    project,
)
from parley.sandbox.payloads import (
    JSON,
    engagement_row,
    team_resource,
    user_resource,
    user_v3,
)
from parley.sandbox.recording import recording_attributes
from parley.sandbox.responses import JsonApiResponse, api_error, base_url
from parley.sandbox.state import SandboxState
from parley.sandbox.transcript import Transcript

__all__ = ["PAGE_SIZE", "build_app", "create_app"]

PAGE_SIZE = 100


class ChorusRoutes:
    """Handlers for the served Chorus operations."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def routes(self) -> list[BaseRoute]:
        """The Chorus route table."""
        return [
            Route("/api/v1/users/me", self.users_me, methods=["GET"]),
            Route("/v3/users", self.users, methods=["GET"]),
            Route("/api/v1/teams", self.teams, methods=["GET"]),
            Route("/api/v1/teams/{id}", self.team, methods=["GET"]),
            Route("/v3/engagements", self.engagements, methods=["GET"]),
            Route("/api/v1/conversations/{id}", self.conversation, methods=["GET"]),
        ]

    async def users_me(self, request: Request) -> Response:
        """`GET /api/v1/users/me`: the token's own user."""
        user = self.state.org.user(request.scope[USER_SCOPE_KEY])
        if user is None:
            return api_error(404, "The token's user no longer exists.")
        return JsonApiResponse({"data": user_resource(user)})

    async def users(self, request: Request) -> Response:
        """`GET /v3/users`: every user, shaped by `users_shape`."""
        users = self.state.org.users
        shape = self.state.config.users_shape
        if shape == "jsonapi":
            return JSONResponse({"data": [user_resource(u) for u in users]})
        rows = [user_v3(u) for u in users]
        return JSONResponse({"users": rows} if shape == "wrapped" else rows)

    async def teams(self, request: Request) -> Response:
        """`GET /api/v1/teams`."""
        return JsonApiResponse({"data": [team_resource(t) for t in self.state.org.teams]})

    async def team(self, request: Request) -> Response:
        """`GET /api/v1/teams/{id}`."""
        raw = request.path_params["id"]
        team = self.state.org.team(int(raw)) if raw.isdigit() else None
        if team is None:
            return api_error(404, f"Team {raw} was not found.")
        return JsonApiResponse({"data": team_resource(team)})

    async def engagements(self, request: Request) -> Response:
        """`GET /v3/engagements`: 100 per page, newest first, `continuation_key` paging."""
        try:
            query = parse_engagement_query(request.query_params)
        except ParamError as exc:
            return api_error(400, exc.detail, exc.parameter)
        page = self._page(query)
        overlap = self.state.quirks.page_overlap
        if overlap and page and query.after is not None and query.engagement_ids is None:
            # Quirk: this page starts with the last rows of the previous one.
            page = [*self._before(query, overlap), *page][:PAGE_SIZE]
        body: JSON
        if page:
            last = page[-1]
            body = {"continuation_key": f"{float(last.start)} {last.id}"}
        else:
            body = self._last_page_key(request.query_params.get("continuation_key"))
        base = base_url(request)
        body["engagements"] = [
            engagement_row(m, base, with_trackers=query.with_trackers) for m in page
        ]
        return JSONResponse(body)

    def _last_page_key(self, sent: str | None) -> JSON:
        mode = "echo" if self.state.quirks.repeat_last_key else self.state.config.last_page
        if mode == "null":
            return {"continuation_key": None}
        if mode == "echo" and sent:
            return {"continuation_key": sent}
        return {}

    def _before(self, query: EngagementQuery, count: int) -> list[Meeting]:
        """The last `count` matching meetings at or before the key (the previous page's end)."""
        store, org, after = self.state.store, self.state.org, query.after
        assert after is not None
        tail: deque[Meeting] = deque(maxlen=count)
        newest = store.newest_first(
            max_start=None if query.max_date is None else math.floor(query.max_date),
            min_start=None if query.min_date is None else math.ceil(query.min_date),
        )
        for meeting in newest:
            if (meeting.start, meeting.id) < after:
                break
            if query.matches(meeting, org):
                tail.append(meeting)
        return list(tail)

    def _page(self, query: EngagementQuery) -> list[Meeting]:
        store, org = self.state.store, self.state.org
        if query.engagement_ids is not None:
            found = [m for i in query.engagement_ids if (m := store.get(i)) is not None]
            found.sort(key=lambda m: (m.start, m.id), reverse=True)
            if query.after is not None:
                after = query.after
                found = [m for m in found if (m.start, m.id) < after]
            return [m for m in found if query.matches(m, org)][:PAGE_SIZE]
        page: list[Meeting] = []
        meetings = store.newest_first(
            after=query.after,
            max_start=None if query.max_date is None else math.floor(query.max_date),
            min_start=None if query.min_date is None else math.ceil(query.min_date),
        )
        for meeting in meetings:
            if query.matches(meeting, org):
                page.append(meeting)
                if len(page) == PAGE_SIZE:
                    break
        return page

    async def conversation(self, request: Request) -> Response:
        """`GET /api/v1/conversations/{id}`: a RecordingDoc honouring `fields`."""
        meeting = self.state.store.get(request.path_params["id"])
        if meeting is None:
            return api_error(404, f"Conversation {request.path_params['id']} was not found.")
        params = request.query_params
        try:
            fields = parse_fields(params)
            metadata = parse_bool(
                "include_meeting_metadata", params.get("include_meeting_metadata")
            )
            parse_bool("force_regeneration", params.get("force_regeneration"))
            parse_bool("skip_summary_generation", params.get("skip_summary_generation"))
        except ParamError as exc:
            return api_error(400, exc.detail, exc.parameter)
        needs_transcript = fields is None or any(
            f == "metrics" or f.startswith("recording") for f in fields
        )
        transcript = (
            self.state.store.transcript(meeting) if needs_transcript else Transcript((), (), {}, ())
        )
        attributes = recording_attributes(
            meeting, transcript, self.state.org, meeting_metadata=metadata
        )
        data = {"type": "recording", "id": meeting.id, "attributes": project(attributes, fields)}
        return JsonApiResponse({"data": data})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        detail = "The server has not found anything matching the Request-URI."
    else:
        detail = str(exc.detail)
    return api_error(exc.status_code, detail)


def build_app(state: SandboxState) -> Starlette:
    """The sandbox app over an existing state (SandboxServer keeps the state at hand)."""
    routes: list[BaseRoute] = [
        *ChorusRoutes(state).routes(),
        *media_routes(state),
        *admin_routes(state),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(ChorusEdgeMiddleware, state=state)],
        exception_handlers={HTTPException: _http_error},
    )
    app.state.sandbox = state
    return app


def create_app(config: SandboxConfig | None = None) -> Starlette:
    """A standalone Chorus simulator app (Starlette) for `config`."""
    return build_app(SandboxState(config or SandboxConfig()))
