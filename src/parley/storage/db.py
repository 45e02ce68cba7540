"""The database: one async engine, one transaction per unit of work, migrations on demand."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import msgspec
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, CursorResult, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from parley.errors import InvalidRequestError, ParleyError

__all__ = [
    "MIGRATIONS_DIR",
    "Database",
    "alembic_config",
    "include_in_schema_compare",
    "normalize_url",
    "rowcount",
]

log = logging.getLogger("parley.storage")

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant works: it only has to be the same in every process that migrates.
_MIGRATION_LOCK_ID = 0x5041524C4559  # "PARLEY"

Dialect = Literal["sqlite", "postgresql"]
# SQLSTATE 22021: PostgreSQL refuses a NUL character in text.
_CHARACTER_NOT_IN_REPERTOIRE = "22021"


def normalize_url(url: str | URL) -> URL:
    """The async SQLAlchemy URL for `url` (`postgresql://` -> asyncpg, `sqlite://` -> aiosqlite)."""
    parsed = make_url(url)
    driver = parsed.drivername
    if driver in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg")
    if driver == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    if driver in ("postgresql+asyncpg", "sqlite+aiosqlite"):
        return parsed
    raise ParleyError(
        f"Unsupported database URL scheme {driver!r}: use sqlite+aiosqlite:///… "
        "or postgresql+asyncpg://….",
        code="unsupported_database",
    )


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for the packaged migrations, bound to `connection` when given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


#: Search-index objects the migrations create outside the declared tables (0002).
_SEARCH_INDEX_OBJECTS = ("transcript_fts", "text_tsv", "ix_transcript_entries_text_tsv")
#: procrastinate's job queue (0003, PostgreSQL only): its schema is the library's, not ours.
_QUEUE_OBJECTS = ("procrastinate_",)


def include_in_schema_compare(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic `include_object`: skip the full-text index and procrastinate's queue tables."""
    return not (name and name.startswith(_SEARCH_INDEX_OBJECTS + _QUEUE_OBJECTS))


def rowcount(result: object) -> int:
    """Rows an UPDATE or DELETE touched (0 for anything that is not a cursor result)."""
    return result.rowcount if isinstance(result, CursorResult) else 0


def _upgrade(connection: Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)


_JSON_ENCODER = msgspec.json.Encoder()
_JSON_DECODER = msgspec.json.Decoder()


def json_text(value: Any) -> str:
    """JSON columns' text: msgspec, several times faster than `json.dumps` on a meeting.

    Non-finite numbers are written as null (`json.dumps` wrote `NaN`, which is not JSON and
    which PostgreSQL refuses).
    """
    try:
        return _JSON_ENCODER.encode(value).decode()
    except (TypeError, ValueError, OverflowError):  # a type msgspec does not write
        return json.dumps(value)


def json_value(text: str | bytes) -> Any:
    """A JSON column's value (`json.loads` reads what msgspec refuses, e.g. an old `NaN`)."""
    try:
        return _JSON_DECODER.decode(text)
    except ValueError:
        return json.loads(text)


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


class Database:
    """An async engine (SQLite or PostgreSQL) with transactional sessions and migrations."""

    def __init__(self, url: str | URL, *, echo: bool = False, busy_timeout: float = 5.0) -> None:
        self._url = normalize_url(url)
        backend = self._url.get_backend_name()
        self.dialect: Dialect = "sqlite" if backend == "sqlite" else "postgresql"
        options: dict[str, Any] = {
            "echo": echo,
            "json_serializer": json_text,
            "json_deserializer": json_value,
        }
        if self.dialect == "sqlite":
            self._prepare_sqlite_file()
        else:
            # A load balancer or a PostgreSQL restart may close idle connections under us.
            options["pool_pre_ping"] = True
        self.engine: AsyncEngine = create_async_engine(self._url, **options)
        if self.dialect == "sqlite":
            busy_ms = int(busy_timeout * 1000)
            event.listen(
                self.engine.sync_engine,
                "connect",
                lambda dbapi_connection, _record: _configure_sqlite(dbapi_connection, busy_ms),
            )
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        """The full async URL (password included: never log it; repr hides it)."""
        return self._url.render_as_string(hide_password=False)

    def __repr__(self) -> str:
        return f"Database({self._url.render_as_string(hide_password=True)!r})"

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.dispose()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block exits, rolled back if it raises."""
        # SQLite keeps the driver's default: the transaction opens at the first write, so it
        # never holds a stale read snapshot it would have to upgrade (SQLITE_BUSY_SNAPSHOT
        # ignores busy_timeout); every write of the block still commits or rolls back together.
        try:
            async with self._sessions() as session, session.begin():
                yield session
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) == _CHARACTER_NOT_IN_REPERTOIRE:
                # PostgreSQL text cannot hold NUL; the caller sent it, so it is a 400 (and
                # nothing was written: the transaction rolled back).
                raise InvalidRequestError(
                    "Text values must not contain NUL (\\u0000) characters.", code="invalid_text"
                ) from None
            raise

    async def migrate(self, revision: str = "head") -> None:
        """Run Alembic `upgrade` to `revision` with the migrations shipped in the package."""
        async with self.engine.begin() as connection:
            if self.dialect == "postgresql":
                # Several API processes may start at once: one migrates, the others wait.
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_ID}
                )
            await connection.run_sync(_upgrade, revision)

    async def current_revision(self) -> str | None:
        """The Alembic revision the database is at (None before the first migration)."""
        async with self.engine.connect() as connection:
            return await connection.run_sync(_current_revision)

    async def ping(self, *, timeout: float = 5.0) -> bool:
        """True when the database answers `SELECT 1` within `timeout` seconds."""
        try:
            async with asyncio.timeout(timeout), self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            # The class name only: driver messages may echo the URL.
            log.warning("database ping failed: %s", type(exc).__name__)
            return False
        return True

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()

    def _prepare_sqlite_file(self) -> None:
        path = self._url.database
        if path and path != ":memory:" and not path.startswith("file:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(dbapi_connection: Any, busy_ms: int) -> None:
    """Per-connection pragmas: enforce foreign keys, wait on locks, readers never block writers."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL is durable against application crashes and much faster than FULL.
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()
