"""Migrations: the packaged Alembic scripts build exactly the declared schema on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from parley.storage import Base, Database, alembic_config
from parley.storage.db import include_in_schema_compare


def _head() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _schema_drift(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_in_schema_compare}
    )
    return list(compare_metadata(context, Base.metadata))


async def test_migrate_upgrades_an_empty_database_to_head(empty_database: Database) -> None:
    assert await empty_database.current_revision() is None

    await empty_database.migrate()

    assert await empty_database.current_revision() == _head()
    async with empty_database.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {"tenants", "api_keys", "link_tokens", "integrated_accounts"} <= tables


async def test_migrated_schema_matches_the_declared_tables(database: Database) -> None:
    async with database.engine.connect() as connection:
        drift = await connection.run_sync(_schema_drift)

    assert drift == []


async def test_migrate_twice_is_a_no_op(database: Database) -> None:
    await database.migrate()

    assert await database.current_revision() == _head()
