"""Shared fixtures. Storage: `settings`, `vault`, `database` / `empty_database` on every backend.

`database` runs each test on SQLite and on PostgreSQL when PARLEY_TEST_POSTGRES_URL is set
(otherwise those cases skip, saying why). SQLite: a copy of a file migrated once per xdist
worker. PostgreSQL: a database migrated once per xdist worker and dropped at the end; every
row of the declared tables is deleted before each test. Workers never share a database and
tests within one run one at a time, so no test sees another's rows, even under `pytest -n`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from parley.config import Settings
from parley.security import Vault, generate_secret_key
from parley.storage import Base, Database

POSTGRES_URL_ENV = "PARLEY_TEST_POSTGRES_URL"
POSTGRES_SKIP_REASON = (
    f"PostgreSQL case: set {POSTGRES_URL_ENV} "
    "(e.g. postgresql://postgres@127.0.0.1:5432/test) to run it"
)
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings isolated from the environment: a fresh random master key, paths in tmp_path.

    The egress policy lets 127.0.0.1 through (the sandbox and webhook receivers listen
    there) and nothing else that it refuses; SSRF tests build settings of their own.
    """
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'parley.db'}",
        secret_key=SecretStr(generate_secret_key()),
        key_file=tmp_path / "parley.key",
        public_url="http://parley.test",
        link_token_ttl=3600,
        egress_allow="127.0.0.1",
    )


@pytest.fixture
def vault(settings: Settings) -> Vault:
    """The vault of `settings`' master key."""
    return Vault.from_settings(settings)


class PostgresServer:
    """Creates and drops throwaway databases on the server of PARLEY_TEST_POSTGRES_URL."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        # asyncpg speaks plain libpq URLs; SQLAlchemy gets the async driver back later.
        self._admin = parsed.set(drivername="postgresql")
        self._prefix = f"parley_t{uuid.uuid4().hex[:8]}"

    def url_of(self, name: str) -> str:
        """The SQLAlchemy URL of database `name` on this server."""
        return self._admin.set(drivername="postgresql+asyncpg", database=name).render_as_string(
            hide_password=False
        )

    def new_name(self) -> str:
        """A database name unique to this run."""
        return f"{self._prefix}_{uuid.uuid4().hex[:12]}"

    async def create(self, name: str) -> None:
        """CREATE DATABASE (empty)."""
        connection = await self._connect()
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    async def drop(self, name: str) -> None:
        """DROP DATABASE, disconnecting stragglers."""
        connection = await self._connect()
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    async def _connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(self._admin.render_as_string(hide_password=False))


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer | None:
    """The test PostgreSQL server, or None when PARLEY_TEST_POSTGRES_URL is unset."""
    url = os.environ.get(POSTGRES_URL_ENV)
    return PostgresServer(url) if url else None


@pytest.fixture(scope="session")
def postgres_worker_database(postgres_server: PostgresServer | None) -> Iterator[str | None]:
    """A migrated database owned by this xdist worker (None without PostgreSQL)."""
    if postgres_server is None:
        yield None
        return
    name = postgres_server.new_name()

    async def build() -> None:
        await postgres_server.create(name)
        async with Database(postgres_server.url_of(name)) as database:
            await database.migrate()

    asyncio.run(build())
    yield name
    asyncio.run(postgres_server.drop(name))


async def _delete_every_row(database: Database) -> None:
    # DELETE beats TRUNCATE and CREATE DATABASE … TEMPLATE by orders of magnitude on tiny
    # tables (both of those fsync files and force checkpoints). Children before parents.
    async with database.session() as session:
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(table.delete())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, made once per xdist worker; tests get copies of it."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"

    async def build() -> None:
        # Disposing closes the last connection, which checkpoints the WAL into the file.
        async with Database(f"sqlite+aiosqlite:///{path}") as database:
            await database.migrate()

    asyncio.run(build())
    return path


async def _sqlite(path: Path, *, copy_of: Path | None) -> AsyncIterator[Database]:
    if copy_of is not None:
        shutil.copyfile(copy_of, path)
    async with Database(f"sqlite+aiosqlite:///{path}") as database:
        yield database


async def _postgres(
    server: PostgresServer | None, *, shared: str | None
) -> AsyncIterator[Database]:
    if server is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    if shared is not None:
        # The worker's own migrated database: its tests run one at a time, each on empty tables.
        async with Database(server.url_of(shared)) as database:
            await _delete_every_row(database)
            yield database
        return
    name = server.new_name()
    await server.create(name)
    try:
        async with Database(server.url_of(name)) as database:
            yield database
    finally:
        await server.drop(name)


@pytest.fixture(params=BACKENDS)
async def database(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    postgres_server: PostgresServer | None,
    postgres_worker_database: str | None,
    sqlite_template: Path,
) -> AsyncIterator[Database]:
    """A migrated database with empty tables: SQLite, then PostgreSQL when configured."""
    if request.param == "sqlite":
        backend = _sqlite(tmp_path / "parley.db", copy_of=sqlite_template)
    else:
        backend = _postgres(postgres_server, shared=postgres_worker_database)
    async for database in backend:
        yield database


@pytest.fixture(params=BACKENDS)
async def empty_database(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_server: PostgresServer | None
) -> AsyncIterator[Database]:
    """A brand-new database with no schema at all (migration tests), on every backend."""
    if request.param == "sqlite":
        backend = _sqlite(tmp_path / "parley.db", copy_of=None)
    else:
        backend = _postgres(postgres_server, shared=None)
    async for database in backend:
        yield database
