"""Column types shared by every table: aware UTC datetimes, portable JSON, string ids."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["JsonType", "UtcDateTime", "new_id", "utcnow"]

#: JSONB on PostgreSQL (indexable, compact), JSON text elsewhere.
JsonType: TypeEngine[Any] = JSON().with_variant(JSONB(), "postgresql")


def new_id() -> str:
    """A fresh random id (UUID4, canonical text form)."""
    return str(uuid.uuid4())


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, whatever the backend stores."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            # A naive value is ambiguous; refusing it keeps every stored instant exact.
            raise ValueError("Parley stores timezone-aware datetimes only (got a naive one).")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # SQLite keeps text without an offset: store UTC wall time, re-attach UTC on read.
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
