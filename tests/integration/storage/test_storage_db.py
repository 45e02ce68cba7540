"""Database: one transaction per session, aware UTC datetimes, backend settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from parley.errors import ParleyError
from parley.storage import (
    ApiKey,
    Database,
    IntegratedAccount,
    Tenant,
    TenantRepository,
    normalize_url,
)


async def _add(database: Database, row: object) -> None:
    async with database.session() as session:
        session.add(row)


async def test_session_commits_at_the_boundary(database: Database) -> None:
    async with database.session() as session:
        await TenantRepository(session).add("acme")

    async with database.session() as session:
        assert await TenantRepository(session).by_name("acme") is not None


async def _add_two_tenants_then_fail(database: Database) -> None:
    async with database.session() as session:
        await TenantRepository(session).add("first")
        await TenantRepository(session).add("second")
        raise RuntimeError("boom")


async def _add_fresh_then_duplicate(database: Database) -> None:
    async with database.session() as session:
        await TenantRepository(session).add("fresh")
        await TenantRepository(session).add("taken")


async def test_an_error_inside_the_session_rolls_everything_back(database: Database) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        await _add_two_tenants_then_fail(database)

    async with database.session() as session:
        assert await TenantRepository(session).list() == []


async def test_a_failed_statement_rolls_back_earlier_writes(database: Database) -> None:
    async with database.session() as session:
        await TenantRepository(session).add("taken")

    with pytest.raises(IntegrityError):
        await _add_fresh_then_duplicate(database)

    async with database.session() as session:
        assert [t.name for t in await TenantRepository(session).list()] == ["taken"]


async def test_datetimes_come_back_aware_utc(database: Database) -> None:
    paris = timezone(timedelta(hours=2))
    moment = datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=paris)
    async with database.session() as session:
        session.add(Tenant(id="t1", name="acme", created_at=moment))

    async with database.session() as session:
        tenant = await session.get(Tenant, "t1")

    assert tenant is not None
    assert tenant.created_at.tzinfo is UTC
    assert tenant.created_at == moment
    assert tenant.created_at.hour == 10


async def test_naive_datetimes_are_refused(database: Database) -> None:
    naive = datetime(2024, 1, 1)

    with pytest.raises(StatementError, match="timezone-aware"):
        await _add(database, Tenant(name="naive", created_at=naive))


async def test_json_columns_round_trip(database: Database) -> None:
    async with database.session() as session:
        tenant = await TenantRepository(session).add("acme")
        session.add(
            IntegratedAccount(
                id="a1",
                tenant_id=tenant.id,
                integration="chorus",
                status="active",
                credentials_ciphertext=b"\x01\x00",
                key_id="k",
                settings={"base_url": "https://chorus.ai"},
                remote_user={"id": "u1", "name": "Ada", "email": None},
            )
        )

    async with database.session() as session:
        account = await session.get(IntegratedAccount, "a1")

    assert account is not None
    assert account.settings == {"base_url": "https://chorus.ai"}
    assert account.remote_user == {"id": "u1", "name": "Ada", "email": None}
    assert account.last_error is None


async def test_foreign_keys_are_enforced(database: Database) -> None:
    orphan = ApiKey(tenant_id="nobody", name="k", prefix="prl_x", key_hash="0" * 64)

    with pytest.raises(IntegrityError):
        await _add(database, orphan)


async def test_deleting_a_tenant_cascades_to_its_keys(database: Database) -> None:
    async with database.session() as session:
        tenant = await TenantRepository(session).add("acme")
        session.add(ApiKey(tenant_id=tenant.id, name="k", prefix="prl_x", key_hash="0" * 64))

    async with database.session() as session:
        await session.delete(await session.get(Tenant, tenant.id))

    async with database.session() as session:
        assert list(await session.scalars(select(ApiKey))) == []


async def test_ping_answers_true_when_the_database_is_up(database: Database) -> None:
    assert await database.ping() is True


async def test_ping_answers_false_when_the_server_is_unreachable() -> None:
    async with Database("postgresql://nobody:secret@127.0.0.1:9/none") as database:
        assert await database.ping(timeout=5) is False


async def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/nested/dir/p.db"
    async with Database(url) as database, database.engine.connect() as connection:
        journal = await connection.scalar(text("PRAGMA journal_mode"))
        foreign_keys = await connection.scalar(text("PRAGMA foreign_keys"))
        busy = await connection.scalar(text("PRAGMA busy_timeout"))

    assert (journal, foreign_keys, busy) == ("wal", 1, 5000)


def test_plain_urls_are_rewritten_to_async_drivers() -> None:
    assert normalize_url("postgresql://u@h:5432/d").drivername == "postgresql+asyncpg"
    assert normalize_url("postgres://u@h/d").drivername == "postgresql+asyncpg"
    assert normalize_url("sqlite:///./x.db").drivername == "sqlite+aiosqlite"
    assert normalize_url("sqlite+aiosqlite:///./x.db").drivername == "sqlite+aiosqlite"


def test_unsupported_urls_are_refused_clearly() -> None:
    with pytest.raises(ParleyError) as caught:
        normalize_url("mysql://u@h/d")

    assert caught.value.code == "unsupported_database"


def test_repr_hides_the_password() -> None:
    database = Database("postgresql://parley:hunter2@db.internal/parley")

    assert "hunter2" not in repr(database)
    assert "hunter2" in database.url
