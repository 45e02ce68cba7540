"""The CRM hook over a real sync: matches of synced meetings are announced once, by event."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sync_harness import MakeSynced

from parley.config import Settings
from parley.insights.contacts import CrmService
from parley.sandbox.config import SandboxConfig
from parley.sandbox.server import SandboxServer
from parley.security import Vault
from parley.storage import Database, Event, StoredMeeting


async def test_synced_meetings_of_a_contact_are_announced_once_and_a_backfill_never(
    make_synced: MakeSynced, settings: Settings, vault: Vault
) -> None:
    with SandboxServer(SandboxConfig(seed=31, meetings=40)) as sandbox:
        meetings = list(sandbox.state.store.newest_first())
        synced = await make_synced(sandbox)
        crm = CrmService(synced.db, vault.signer(b"crm-cursor"), public_url=settings.public_url)
        guests = Counter(g.email for m in meetings if m.status == "done" for g in m.guests)
        (first, _), (second, _) = guests.most_common(2)
        # Loaded before the meetings exist: nothing to match yet.
        await crm.upsert("contact", synced.tenant_id, synced.account_id, "c-1", {"emails": [first]})
        run = await synced.sync()
    assert run.status == "completed", run.errors
    async with synced.db.session() as session:
        stored = list(
            await session.scalars(
                select(StoredMeeting.id).where(StoredMeeting.account_id == synced.account_id)
            )
        )

    async def hook() -> list[Event]:
        async with synced.db.session() as session:
            return await crm.on_meetings_stored(
                session,
                tenant_id=synced.tenant_id,
                account_id=synced.account_id,
                meeting_ids=stored,
            )

    announced = await hook()
    again = await hook()
    await crm.upsert("contact", synced.tenant_id, synced.account_id, "c-2", {"emails": [second]})
    after_backfill = await hook()
    log = await crm.activities(
        "contact", synced.tenant_id, synced.account_id, "c-2", limit=500, cursor=None
    )

    done_with = {
        m.id for m in meetings if m.status == "done" and first in {g.email for g in m.guests}
    }
    assert {e.payload["data"]["activity"]["meeting_id"] for e in announced} == done_with
    assert len(announced) == len(done_with)
    assert all(e.payload["data"]["contact_external_id"] == "c-1" for e in announced)
    assert again == []
    assert after_backfill == []
    assert {a.meeting_id for a in log.items} == {
        m.id for m in meetings if second in {g.email for g in m.guests}
    }
    events = await synced.events()
    assert Counter(t for t, _ in events)["crm.activity_matched"] == len(done_with)


async def test_the_sync_page_hook_announces_each_match_once_and_a_resync_nothing(
    make_synced: MakeSynced, database: Database, settings: Settings, vault: Vault
) -> None:
    crm = CrmService(database, vault.signer(b"crm-cursor"), public_url=settings.public_url)
    with SandboxServer(SandboxConfig(seed=31, meetings=40)) as sandbox:
        meetings = list(sandbox.state.store.newest_first())
        synced = await make_synced(sandbox, hooks=[crm])
        guests = Counter(g.email for m in meetings if m.status == "done" for g in m.guests)
        (first, _), *_ = guests.most_common(1)
        await crm.upsert("contact", synced.tenant_id, synced.account_id, "c-1", {"emails": [first]})
        run = await synced.sync()
        assert run.status == "completed", run.errors
        again = await synced.sync(full=True)
        assert again.status == "completed", again.errors

    done_with = {
        m.id for m in meetings if m.status == "done" and first in {g.email for g in m.guests}
    }
    matched = [m for t, m in await synced.events() if t == "crm.activity_matched"]
    assert done_with
    assert len(matched) == len(done_with)
