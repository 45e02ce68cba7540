"""The unified User."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from parley.unified.base import RemoteData, UnifiedModel, UtcDateTime

__all__ = ["User", "UserEmail"]


class UserEmail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str
    is_primary: bool = False


class User(UnifiedModel):
    """A user of the provider (a rep, a manager, an admin)."""

    id: str
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    emails: list[UserEmail] = Field(default_factory=list)
    role: str | None = None
    title: str | None = None
    team_ids: list[str] = Field(default_factory=list)
    manager_id: str | None = None
    is_active: bool | None = None
    license_type: str | None = None
    created_at: UtcDateTime | None = None
    updated_at: UtcDateTime | None = None
    remote_data: RemoteData = None
