"""Shared base for unified models: ISO-8601 UTC times, raw provider data kept aside."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer

__all__ = ["UnifiedModel", "UtcDateTime", "to_utc"]


def to_utc(value: datetime) -> datetime:
    """Treat naive datetimes as UTC and convert aware ones to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _iso(value: datetime) -> str:
    return to_utc(value).isoformat().replace("+00:00", "Z")


UtcDateTime = Annotated[datetime, PlainSerializer(_iso, return_type=str, when_used="json")]


class UnifiedModel(BaseModel):
    """Every unified object: unknown fields stay null; `remote_data` keeps the raw payload."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    remote_data: dict[str, Any] | None = None
