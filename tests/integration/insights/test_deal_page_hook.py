"""The deal page hook inside a sync page's transaction: moved, unlinked and re-stored meetings.

Meetings are written through the sync's own repository and the hook runs in the same
session, as a sync page will call it; the deals are read back through the service.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from parley.errors import NotFoundError
from parley.insights.deals import DealQuery, DealRiskService
from parley.insights.risk_settings import RiskSettings
from parley.security import Vault
from parley.storage import Database, Deal, Event, IntegratedAccount, Tenant, new_id, utcnow
from parley.storage.repositories.store import StoreRepository, meeting_record
from parley.unified import Meeting

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


def call(mid: str, opportunity: str | None, days_ago: float, *, next_steps: bool) -> Meeting:
    """A completed call of a deal; without next steps it is a `no_next_steps` signal."""
    trackers = [{"name": "Next Steps", "count": 1}] if next_steps else []
    return Meeting.model_validate(
        {
            "id": mid,
            "status": "completed",
            "start_time": (NOW - timedelta(days=days_ago)).isoformat(),
            "attendees": [
                {"id": "r", "type": "user", "email": "rep@seller.example"},
                {"id": "a", "type": "guest", "email": "ann@globex.example"},
                {"id": "b", "type": "guest", "email": "bob@globex.example"},
            ],
            "trackers": trackers,
            "transcript": [
                {"index": 0, "speaker_type": "user", "text": "Hello.", "start_time": 0.0},
                {"index": 1, "speaker_type": "guest", "text": "Hi.", "start_time": 5.0},
            ],
            "speakers": [
                {"speaker_id": "r", "type": "user", "talk_time": 50.0},
                {"speaker_id": "g", "type": "guest", "talk_time": 50.0},
            ],
            "crm": {"opportunity_id": opportunity, "opportunity_name": f"Deal {opportunity}"},
        }
    )


@pytest.fixture
async def tenant_account(database: Database) -> tuple[str, str]:
    async with database.session() as session:
        tenant = Tenant(id=new_id(), name="acme", created_at=utcnow())
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
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        session.add(account)
    return tenant.id, account.id


@pytest.fixture
def service(database: Database, vault: Vault) -> DealRiskService:
    return DealRiskService(database, vault.signer(b"deals-cursor"), clock=lambda: NOW)


async def page(
    db: Database,
    service: DealRiskService,
    ids: tuple[str, str],
    meetings: Sequence[Meeting],
    deleted: Sequence[str] = (),
) -> None:
    """Store one page as the sync does, and run the hook in its transaction."""
    tenant_id, account_id = ids
    records = [meeting_record(m, has_details=True) for m in meetings]
    async with db.session() as session:
        store = StoreRepository(session)
        states = await store.meeting_states(account_id, [r.id for r in records])
        await store.write_meetings(account_id, records, states)
        await store.delete_meetings(account_id, deleted)
        await service.on_meetings_stored(
            session,
            tenant_id=tenant_id,
            account_id=account_id,
            meetings=meetings,
            deleted_ids=deleted,
        )


async def raised(db: Database) -> list[dict[str, Any]]:
    async with db.session() as session:
        rows = await session.scalars(select(Event).where(Event.type == "deal_risk.raised"))
        return [row.payload["data"] for row in rows]


async def test_a_meeting_that_moves_deal_is_recomputed_in_both(
    database: Database, service: DealRiskService, tenant_account: tuple[str, str]
) -> None:
    tenant_id, account_id = tenant_account
    first = [call("m1", "A", 1, next_steps=True), call("m2", "A", 8, next_steps=True)]
    await page(database, service, tenant_account, [*first, call("m3", "B", 2, next_steps=True)])

    await page(database, service, tenant_account, [call("m1", "B", 1, next_steps=False)])

    a = await service.get(tenant_id, account_id, "A")
    b = await service.get(tenant_id, account_id, "B")
    assert (a.meeting_count, b.meeting_count) == (1, 2)
    assert [s.type for s in b.risk.signals] == ["no_next_steps"]
    assert b.risk.signals[0].evidence[0].meeting_id == "m1"
    assert a.risk.signals == []


async def test_the_level_holds_on_a_restored_page_and_a_fall_then_a_rise_raises_again(
    database: Database, service: DealRiskService, tenant_account: tuple[str, str]
) -> None:
    quiet = [call("m1", "A", 1, next_steps=False)]
    await page(database, service, tenant_account, quiet)  # no next steps: 20, low
    assert await raised(database) == []

    # Stalled too (25 + 20 = 45): medium.
    service.clock = lambda: NOW + timedelta(days=30)
    await page(database, service, tenant_account, quiet)
    await page(database, service, tenant_account, quiet)
    assert [e["risk"]["level"] for e in await raised(database)] == ["medium"]

    # Fresh calls: the level falls to low (no event for a fall, nor for low to low).
    await page(database, service, tenant_account, [call("m2", "A", -29, next_steps=True)])
    await page(database, service, tenant_account, [call("m3", "A", -29.5, next_steps=False)])
    assert [e["risk"]["level"] for e in await raised(database)] == ["medium"]
    # They are deleted: stalled again, medium again, raised again.
    await page(database, service, tenant_account, [], deleted=["m2", "m3"])
    assert [e["risk"]["level"] for e in await raised(database)] == ["medium", "medium"]


async def test_a_deal_whose_last_meeting_leaves_it_is_gone(
    database: Database, service: DealRiskService, tenant_account: tuple[str, str]
) -> None:
    tenant_id, account_id = tenant_account
    await page(database, service, tenant_account, [call("m1", "A", 1, next_steps=True)])

    await page(database, service, tenant_account, [call("m1", None, 1, next_steps=True)])

    with pytest.raises(NotFoundError):
        await service.get(tenant_id, account_id, "A")
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(Deal)) == 0


async def test_a_settings_change_finds_the_deals_of_meetings_stored_before_deal_risk(
    database: Database, service: DealRiskService, tenant_account: tuple[str, str]
) -> None:
    tenant_id, account_id = tenant_account
    records = [
        meeting_record(m, has_details=True)
        for m in (
            call("m1", "A", 30, next_steps=False),
            call("m2", "B", 1, next_steps=True),
            call("m3", None, 1, next_steps=False),
        )
    ]
    async with database.session() as session:  # a sync from before the hook existed
        await StoreRepository(session).write_meetings(account_id, records, {})

    done = await service.put_settings(tenant_id, RiskSettings())

    assert (done.deals, done.raised) == (2, 1)
    listed, _ = await service.list_deals(tenant_id, DealQuery(account_id=account_id))
    assert [(d.id, d.risk.level) for d in listed] == [("A", "medium"), ("B", "low")]
    assert [e["id"] for e in await raised(database)] == ["A"]
