"""The unified Team."""

from __future__ import annotations

from pydantic import Field

from parley.unified.base import RemoteData, UnifiedModel

__all__ = ["Team"]


class Team(UnifiedModel):
    """A team of users."""

    id: str
    name: str | None = None
    description: str | None = None
    member_ids: list[str] = Field(default_factory=list)
    manager_id: str | None = None
    parent_team_id: str | None = None
    remote_data: RemoteData = None
