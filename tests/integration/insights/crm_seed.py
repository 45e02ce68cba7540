"""Fill the synced copy for CRM tests: a tenant's account and meetings with chosen guests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from parley.storage import Database, Event, IntegratedAccount, Tenant, new_id, utcnow
from parley.storage.repositories.store import StoreRepository, meeting_record
from parley.unified import Meeting

BASE = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


async def add_account(db: Database, tenant: str = "acme") -> tuple[str, str]:
    """A tenant (created once) with one more integrated account: (tenant id, account id)."""
    async with db.session() as session:
        tenant_id = await session.scalar(select(Tenant.id).where(Tenant.name == tenant))
        if tenant_id is None:
            row = Tenant(id=new_id(), name=tenant, created_at=utcnow())
            session.add(row)
            await session.flush()
            tenant_id = row.id
        account = IntegratedAccount(
            id=new_id(),
            tenant_id=tenant_id,
            integration="chorus",
            status="active",
            credentials_ciphertext=b"sealed",
            key_id="k1",
            settings={},
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        session.add(account)
    return tenant_id, account.id


def meeting(
    meeting_id: str,
    guests: Sequence[str],
    *,
    days_ago: int = 0,
    status: str = "completed",
    transcript: bool = True,
    users: Sequence[str] = ("ana@seller.example",),
) -> Meeting:
    """A meeting with internal `users` and external `guests` (emails), as a sync stores it."""
    start = BASE - timedelta(days=days_ago)
    lines = [
        {"index": 0, "speaker_type": "user", "text": "Hello.", "start_time": 0.0, "end_time": 2.0}
    ]
    return Meeting.model_validate(
        {
            "id": meeting_id,
            "title": f"Call {meeting_id}",
            "type": "meeting",
            "status": status,
            "start_time": start.isoformat(),
            "end_time": (start + timedelta(minutes=30)).isoformat(),
            "duration": 1800.0,
            "owner": {"user_id": "u1", "name": "Ana Rep", "email": users[0] if users else None},
            "attendees": [
                *(
                    {
                        "id": f"u{i}",
                        "user_id": f"u{i}",
                        "email": e,
                        "type": "user",
                        "is_host": i == 0,
                    }
                    for i, e in enumerate(users)
                ),
                *(
                    {
                        "id": e,
                        "email": e,
                        "name": e.split("@")[0].title(),
                        "type": "guest",
                        "company_name": "Guest Co",
                    }
                    for e in guests
                ),
            ],
            "transcript": lines if transcript and status == "completed" else None,
            "summary": "We talked.",
            "topics": ["pricing"],
            "action_items": ["Send the quote"],
        }
    )


async def store(db: Database, account_id: str, meetings: Sequence[Meeting]) -> list[str]:
    """Write meetings through the sync's store writer; the ids written."""
    records = [meeting_record(m, has_details=m.transcript is not None) for m in meetings]
    async with db.session() as session:
        repository = StoreRepository(session)
        existing = await repository.meeting_states(account_id, [r.id for r in records])
        await repository.write_meetings(account_id, records, existing)
    return [r.id for r in records]


async def crm_events(db: Database, account_id: str) -> list[dict[str, object]]:
    """The `data` of every `crm.activity_matched` event of the account, oldest first."""
    async with db.session() as session:
        rows = await session.scalars(
            select(Event)
            .where(Event.account_id == account_id, Event.type == "crm.activity_matched")
            .order_by(Event.created_at, Event.id)
        )
        return [e.payload["data"] for e in rows]
