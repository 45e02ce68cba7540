"""Pure Chorus JSON -> unified `User` and `Team` (no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from parley.errors import ProviderResponseError
from parley.providers.chorus.mapping import blank, first, utc_moment
from parley.providers.chorus.schemas import (
    ChorusTeam,
    ChorusUser,
    flatten_resource,
    parse,
    resource_of,
)
from parley.unified import Team, User, UserEmail

__all__ = ["map_team", "map_user"]


def map_user(raw: Mapping[str, Any]) -> User:
    """A User from a `/v3/users` row or a JSON:API `user` resource (`/api/v1/users/me`)."""
    flat = flatten_resource(raw)
    u = parse(ChorusUser, flat, "user")
    user_id = first(u.id, u.user_id)
    if user_id is None:
        raise ProviderResponseError("Chorus sent a user without an id.")
    email = blank(u.email)
    return User(
        id=user_id,
        name=blank(u.name),
        first_name=blank(u.first_name),
        last_name=blank(u.last_name),
        emails=[UserEmail(email=email, is_primary=True)] if email else [],
        role=first(u.role, u.type),
        title=blank(u.title),
        team_ids=list(u.team_ids or []),
        manager_id=blank(u.manager_id),
        is_active=None if u.invalidated is None else not u.invalidated,
        license_type=blank(u.license_type),
        created_at=utc_moment(u.created_on),
        remote_data=dict(raw),
    )


def map_team(raw: Mapping[str, Any]) -> Team:
    """A Team from a JSON:API `team` resource (or a `TeamDoc`)."""
    resource = resource_of(raw)
    t = parse(ChorusTeam, resource, "team")
    if t.id is None:
        raise ProviderResponseError("Chorus sent a team without an id.")
    a = t.attributes
    return Team(
        id=t.id,
        name=blank(a.name) if a else None,
        description=blank(a.description) if a else None,
        member_ids=list(a.users or []) if a else [],
        manager_id=blank(a.manager) if a else None,
        parent_team_id=blank(a.parent_team) if a else None,
        remote_data=dict(resource),
    )
