"""Admin routes under `/_sandbox` (not Chorus): no auth, no faults.

Tests, the demo and benchmarks use them to read counters, switch faults, manage tokens and
change data while a client is syncing.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from parley.sandbox.config import FaultConfig, QuirkConfig
from parley.sandbox.meetings import MeetingPatch
from parley.sandbox.payloads import deals_doc, engagement_row
from parley.sandbox.responses import api_error, base_url
from parley.sandbox.state import SandboxState

__all__ = ["ADMIN_PREFIX", "admin_routes"]

ADMIN_PREFIX = "/_sandbox"
STATUSES = ("done", "live", "no show", "processing", "unknown", "scheduled")
MAX_ADDED = 10_000


class _BadBodyError(ValueError):
    pass


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise _BadBodyError("Body must be JSON.") from None
    if not isinstance(body, dict):
        raise _BadBodyError("Body must be a JSON object.")
    return body


def _meeting_patch(body: dict[str, Any]) -> MeetingPatch:
    patch = MeetingPatch()
    for key, value in body.items():
        if key == "status":
            if value not in STATUSES:
                raise _BadBodyError(f"status must be one of {', '.join(STATUSES)}.")
            patch["status"] = value
        elif key == "subject":
            if not isinstance(value, str):
                raise _BadBodyError("subject must be a string.")
            patch["subject"] = value
        elif key == "summary":
            if value is not None and not isinstance(value, str):
                raise _BadBodyError("summary must be a string or null.")
            patch["summary"] = value
        elif key == "action_items":
            if value is not None and not (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
            ):
                raise _BadBodyError("action_items must be a list of strings or null.")
            patch["action_items"] = value
        elif key == "duration":
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise _BadBodyError("duration must be a non-negative number.")
            patch["duration"] = float(value)
        else:
            raise _BadBodyError(f"Unknown field {key!r}.")
    return patch


class AdminRoutes:
    """Handlers for `/_sandbox/*`."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def info(self, request: Request) -> Response:
        """What this sandbox serves."""
        config = self.state.config
        org = self.state.org
        return JSONResponse(
            {
                "base_url": base_url(request),
                "seed": config.seed,
                "meetings": len(self.state.store),
                "users": [{"id": u.id, "email": u.email, "role": u.role} for u in org.users],
                "teams": [{"id": t.id, "name": t.name} for t in org.teams],
                "tokens": self.state.tokens.snapshot(),
                "users_shape": config.users_shape,
                "last_page": config.last_page,
                "faults": self.state.faults.config.to_dict(),
                "quirks": self.state.quirks.to_dict(),
            }
        )

    def deals(self, request: Request) -> Response:
        """Each CRM opportunity with its meetings' facts (sync: runs in the thread pool)."""
        return JSONResponse(deals_doc(self.state.store))

    async def stats(self, request: Request) -> Response:
        """Counters since start (or the last reset)."""
        return JSONResponse(self.state.stats_snapshot())

    async def reset_stats(self, request: Request) -> Response:
        """Zero the counters."""
        self.state.reset_stats()
        return JSONResponse(self.state.stats_snapshot())

    async def get_faults(self, request: Request) -> Response:
        """The faults in force."""
        return JSONResponse(self.state.faults.config.to_dict())

    async def put_faults(self, request: Request) -> Response:
        """Replace the faults (absent fields take their defaults)."""
        try:
            faults = FaultConfig.from_mapping(await _json_object(request))
        except ValueError as exc:
            return api_error(400, str(exc))
        self.state.set_faults(faults)
        return JSONResponse(faults.to_dict())

    async def get_quirks(self, request: Request) -> Response:
        """The paging quirks in force."""
        return JSONResponse(self.state.quirks.to_dict())

    async def put_quirks(self, request: Request) -> Response:
        """Replace the paging quirks (absent fields take their defaults)."""
        try:
            quirks = QuirkConfig.from_mapping(await _json_object(request))
        except ValueError as exc:
            return api_error(400, str(exc))
        self.state.set_quirks(quirks)
        return JSONResponse(quirks.to_dict())

    async def add_token(self, request: Request) -> Response:
        """Accept a new token, acting as `user_id` (default: the admin user)."""
        try:
            body = await _json_object(request)
        except _BadBodyError as exc:
            return api_error(400, str(exc))
        token = body.get("token")
        user_id = body.get("user_id", self.state.org.admin.id)
        if not isinstance(token, str) or not token or any(c.isspace() for c in token):
            return api_error(400, "token must be a non-empty string without spaces.")
        if not isinstance(user_id, int) or self.state.org.user(user_id) is None:
            return api_error(400, f"Unknown user_id {user_id!r}.")
        self.state.tokens.add(token, user_id)
        return JSONResponse({"token": token, "user_id": user_id}, status_code=201)

    async def revoke_token(self, request: Request) -> Response:
        """Stop accepting a token (later calls with it get 401)."""
        if not self.state.tokens.revoke(request.path_params["token"]):
            return api_error(404, "Unknown token.")
        return Response(status_code=204)

    async def patch_meeting(self, request: Request) -> Response:
        """Change a meeting (status, subject, summary, action_items, duration)."""
        try:
            patch = _meeting_patch(await _json_object(request))
        except _BadBodyError as exc:
            return api_error(400, str(exc))
        meeting = self.state.store.patch(request.path_params["id"], patch)
        if meeting is None:
            return api_error(404, "Unknown meeting.")
        return JSONResponse(engagement_row(meeting, base_url(request), with_trackers=True))

    async def delete_meeting(self, request: Request) -> Response:
        """Remove a meeting from every Chorus route."""
        if not self.state.store.delete(request.path_params["id"]):
            return api_error(404, "Unknown meeting.")
        return Response(status_code=204)

    async def add_meetings(self, request: Request) -> Response:
        """Add `count` finished meetings, newer than all others."""
        try:
            body = await _json_object(request)
        except _BadBodyError as exc:
            return api_error(400, str(exc))
        count = body.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_ADDED:
            return api_error(400, f"count must be an integer between 1 and {MAX_ADDED}.")
        created = self.state.store.add(count)
        base = base_url(request)
        return JSONResponse(
            {
                "engagement_ids": [m.id for m in created],
                "engagements": [engagement_row(m, base, with_trackers=True) for m in created],
            },
            status_code=201,
        )


def admin_routes(state: SandboxState) -> list[BaseRoute]:
    """The `/_sandbox` route table."""
    admin = AdminRoutes(state)
    p = ADMIN_PREFIX
    return [
        Route(p, admin.info, methods=["GET"]),
        Route(f"{p}/deals", admin.deals, methods=["GET"]),
        Route(f"{p}/stats", admin.stats, methods=["GET"]),
        Route(f"{p}/stats/reset", admin.reset_stats, methods=["POST"]),
        Route(f"{p}/faults", admin.get_faults, methods=["GET"]),
        Route(f"{p}/faults", admin.put_faults, methods=["PUT"]),
        Route(f"{p}/quirks", admin.get_quirks, methods=["GET"]),
        Route(f"{p}/quirks", admin.put_quirks, methods=["PUT"]),
        Route(f"{p}/tokens", admin.add_token, methods=["POST"]),
        Route(f"{p}/tokens/{{token}}", admin.revoke_token, methods=["DELETE"]),
        Route(f"{p}/meetings", admin.add_meetings, methods=["POST"]),
        Route(f"{p}/meetings/{{id}}", admin.patch_meeting, methods=["PATCH"]),
        Route(f"{p}/meetings/{{id}}", admin.delete_meeting, methods=["DELETE"]),
    ]
