"""Alembic environment: runs on the connection `Database.migrate()` hands over."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection

from parley.storage import Base  # every table module, so metadata is complete
from parley.storage.db import include_in_schema_compare

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_in_schema_compare,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_standalone() -> None:
    # A developer calling alembic.command directly (e.g. revision --autogenerate) without a
    # connection: open one from sqlalchemy.url or PARLEY_DATABASE_URL.
    from parley.config import Settings
    from parley.storage.db import Database

    url = config.get_main_option("sqlalchemy.url") or Settings().database_url

    async def run() -> None:
        async with Database(url) as database, database.engine.begin() as connection:
            await connection.run_sync(_run)

    asyncio.run(run())


if context.is_offline_mode():
    _run_offline()
elif (connection := config.attributes.get("connection")) is not None:
    _run(connection)
else:
    _run_standalone()
