"""Migration 0008 on a store written before it: private meetings are private at once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, String, column, insert, select, table

from parley.storage import Database, IntegratedAccount, JsonType, Tenant, UtcDateTime, new_id

_MEETINGS_0004 = table(
    "meetings",
    column("account_id", String),
    column("id", String),
    column("status", String),
    column("type", String),
    column("has_details", Boolean),
    column("content_hash", String),
    column("data", JsonType),
    column("created_at", UtcDateTime()),
    column("updated_at", UtcDateTime()),
)


def _data(private: object) -> dict[str, object]:
    attributes = {} if private is None else {"private": private}
    return {"id": "x", "remote_data": {"conversation": {"id": "x", "attributes": attributes}}}


async def test_meetings_stored_before_0005_take_is_private_from_their_conversation(
    empty_database: Database,
) -> None:
    db = empty_database
    await db.migrate("0007")
    now = datetime(2026, 12, 1, tzinfo=UTC)
    async with db.session() as session:
        tenant = Tenant(id=new_id(), name="acme", created_at=now)
        session.add(tenant)
        await session.flush()
        account = IntegratedAccount(
            id=new_id(),
            tenant_id=tenant.id,
            integration="chorus",
            status="active",
            credentials_ciphertext=b"sealed",
            key_id="k1",
            settings={},
            created_at=now,
            updated_at=now,
        )
        session.add(account)
        await session.flush()
        sent = {"yes": True, "text": "true", "no": False, "absent": None}
        await session.execute(
            insert(_MEETINGS_0004),
            [
                {
                    "account_id": account.id,
                    "id": name,
                    "status": "completed",
                    "type": "meeting",
                    "has_details": True,
                    "content_hash": "3:x",
                    "data": _data(value),
                    "created_at": now,
                    "updated_at": now,
                }
                for name, value in sent.items()
            ],
        )

    await db.migrate()

    async with db.session() as session:
        flags = dict(
            (
                await session.execute(
                    select(column("id"), column("is_private")).select_from(table("meetings"))
                )
            ).all()
        )
    assert flags == {"yes": True, "text": True, "no": False, "absent": False}
