"""Shared base for unified models: ISO-8601 UTC times, raw provider data kept aside."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer

__all__ = ["RemoteData", "Seconds", "UnifiedModel", "UtcDateTime", "to_milliseconds", "to_utc"]


def to_utc(value: datetime) -> datetime:
    """Treat naive datetimes as UTC and convert aware ones to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _iso(value: datetime) -> str:
    return to_utc(value).isoformat().replace("+00:00", "Z")


UtcDateTime = Annotated[datetime, PlainSerializer(_iso, return_type=str, when_used="json")]


def to_milliseconds(seconds: float) -> float:
    """Seconds to the millisecond: sums of provider floats (`2208.3999999999996`) read `2208.4`."""
    return round(seconds, 3)


#: A time or length in seconds, rounded to the millisecond wherever a model is built (from a
#: mapping, the store or search), so every path answers the same number.
Seconds = Annotated[float, AfterValidator(to_milliseconds)]
#: the provider's raw payload of a unified object
RemoteData = dict[str, Any] | None


class UnifiedModel(BaseModel):
    """Every unified object: unknown fields stay null; `remote_data` keeps the raw payload.

    Fields are listed `id` first and `remote_data` last, so JSON reads from the object's
    identity to the provider's raw payload; each subclass declares `remote_data: RemoteData
    = None` as its last field (pydantic keeps an inherited field where the base put it),
    and defining one otherwise is a TypeError.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        names = list(cls.model_fields)
        if names[:1] != ["id"] or names[-1:] != ["remote_data"]:
            raise TypeError(
                f"{cls.__name__}: a unified object lists `id` first, `remote_data` last"
            )
