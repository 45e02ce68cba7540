"""Matching stored meetings to contacts and companies, on SQLite and PostgreSQL."""

from __future__ import annotations

from crm_seed import crm_events, meeting, store

from parley.insights.contacts import CrmService
from parley.insights.contacts_records import RecordType
from parley.storage import Database
from parley.storage.repositories.store import StoreRepository

Account = tuple[str, str]


async def _ids(crm: CrmService, account: Account, kind: RecordType, external_id: str) -> list[str]:
    tenant, account_id = account
    page = await crm.activities(kind, tenant, account_id, external_id, limit=500, cursor=None)
    return [a.meeting_id for a in page.items]


async def _hook(db: Database, crm: CrmService, account: Account, ids: list[str]) -> int:
    tenant, account_id = account
    async with db.session() as session:
        events = await crm.on_meetings_stored(
            session, tenant_id=tenant, account_id=account_id, meeting_ids=ids
        )
    return len(events)


async def test_a_contact_lists_its_guests_meetings_newest_first_whatever_the_case_or_tag(
    database: Database, crm: CrmService, account: Account
) -> None:
    tenant, account_id = account
    await store(
        database,
        account_id,
        [
            meeting("m-old", ["Ann+Demo@Acme.com"], days_ago=9),
            meeting("m-new", ["ann@acme.com", "bob@acme.com"], days_ago=1),
            meeting("m-other", ["bob@acme.com"], days_ago=3),
            # The same address on an internal attendee is not a customer touchpoint.
            meeting("m-internal", [], users=["ann@acme.com"], days_ago=2),
        ],
    )

    view, created = await crm.upsert(
        "contact", tenant, account_id, "c-ann", {"emails": [" ANN+crm@acme.COM "], "name": "Ann"}
    )

    assert created
    assert view.emails == ["ANN+crm@acme.COM"]
    assert await _ids(crm, account, "contact", "c-ann") == ["m-new", "m-old"]
    page = await crm.activities("contact", tenant, account_id, "c-ann", limit=5, cursor=None)
    first = page.items[0]
    assert first.matched_by == "email"
    assert first.attendee.email == "ann@acme.com"
    assert first.summary == "We talked."
    assert first.topics == ["pricing"]
    assert first.playback_url == (
        "http://parley.test/unified/conversational-intelligence/meetings/m-new"
        f"?integrated_account_id={account_id}&source=store"
    )
    assert first.transcript_url is not None
    assert "meeting_id=m-new" in first.transcript_url


async def test_a_company_matches_its_domain_and_subdomains_but_never_free_mail(
    database: Database, crm: CrmService, account: Account
) -> None:
    tenant, account_id = account
    await store(
        database,
        account_id,
        [
            meeting("m-root", ["cy@acme.com"], days_ago=1),
            meeting("m-sub", ["di@eu.acme.com"], days_ago=2),
            meeting("m-lookalike", ["ed@notacme.com"], days_ago=3),
            meeting("m-gmail", ["fi@gmail.com"], days_ago=4),
        ],
    )

    await crm.upsert("company", tenant, account_id, "co-acme", {"domains": ["ACME.com"]})
    await crm.upsert("company", tenant, account_id, "co-free", {"domains": ["gmail.com"]})

    assert await _ids(crm, account, "company", "co-acme") == ["m-root", "m-sub"]
    assert await _ids(crm, account, "company", "co-free") == []
    unmatched = await crm.unmatched(tenant, account_id, limit=50, cursor=None)
    assert sorted(u.email for u in unmatched.items) == ["ed@notacme.com", "fi@gmail.com"]


async def test_a_contact_takes_its_guest_from_the_company_and_gives_it_back_when_deleted(
    database: Database, crm: CrmService, account: Account
) -> None:
    tenant, account_id = account
    await store(database, account_id, [meeting("m-1", ["gus@acme.com"])])
    await crm.upsert("company", tenant, account_id, "co-acme", {"domains": ["acme.com"]})
    assert await _ids(crm, account, "company", "co-acme") == ["m-1"]

    await crm.upsert("contact", tenant, account_id, "c-gus", {"emails": ["gus@acme.com"]})
    assert await _ids(crm, account, "contact", "c-gus") == ["m-1"]
    assert await _ids(crm, account, "company", "co-acme") == []

    await crm.delete("contact", tenant, account_id, "c-gus")
    assert await _ids(crm, account, "company", "co-acme") == ["m-1"]


async def test_changing_a_contacts_emails_moves_its_call_log(
    database: Database, crm: CrmService, account: Account
) -> None:
    tenant, account_id = account
    await store(
        database, account_id, [meeting("m-a", ["a@x.io"], days_ago=1), meeting("m-b", ["b@x.io"])]
    )
    await crm.upsert("contact", tenant, account_id, "c-1", {"emails": ["a@x.io"]})
    assert await _ids(crm, account, "contact", "c-1") == ["m-a"]

    _, created = await crm.upsert("contact", tenant, account_id, "c-1", {"emails": ["b@x.io"]})

    assert not created
    assert await _ids(crm, account, "contact", "c-1") == ["m-b"]


async def test_a_deleted_meeting_leaves_the_call_log(
    database: Database, crm: CrmService, account: Account
) -> None:
    tenant, account_id = account
    await store(database, account_id, [meeting("m-1", ["a@x.io"]), meeting("m-2", ["a@x.io"])])
    await crm.upsert("contact", tenant, account_id, "c-1", {"emails": ["a@x.io"]})

    async with database.session() as session:
        await StoreRepository(session).delete_meetings(account_id, ["m-1"])

    assert await _ids(crm, account, "contact", "c-1") == ["m-2"]


async def test_the_sync_hook_announces_a_completed_match_once_and_a_backfill_never(
    database: Database, crm: CrmService, account: Account
) -> None:
    tenant, account_id = account
    await crm.upsert("contact", tenant, account_id, "c-ann", {"emails": ["ann@acme.com"]})
    # Stored by a sync: completed with a transcript, still processing, and one without guests.
    ids = await store(
        database,
        account_id,
        [
            meeting("m-done", ["ann@acme.com"], days_ago=2),
            meeting("m-processing", ["ann@acme.com"], status="processing", days_ago=1),
            meeting("m-alone", []),
        ],
    )

    assert await _hook(database, crm, account, ids) == 1
    assert await _hook(database, crm, account, ids) == 0
    [data] = await crm_events(database, account_id)
    assert data["contact_external_id"] == "c-ann"
    assert data["integrated_account_id"] == account_id
    activity = data["activity"]
    assert isinstance(activity, dict)
    assert activity["meeting_id"] == "m-done"
    assert activity["matched_by"] == "email"
    # Listed in the call log before it is announced: it is a match, just not finished.
    assert await _ids(crm, account, "contact", "c-ann") == ["m-processing", "m-done"]

    # The processing meeting completes in a later sync: now it is announced, once.
    await store(database, account_id, [meeting("m-processing", ["ann@acme.com"], days_ago=1)])
    assert await _hook(database, crm, account, ["m-processing"]) == 1
    assert await _hook(database, crm, account, ["m-processing"]) == 0

    # A contact loaded later matches the past meetings without any event.
    await store(database, account_id, [meeting("m-bo", ["bo@acme.com"], days_ago=5)])
    await crm.upsert("contact", tenant, account_id, "c-bo", {"emails": ["bo@acme.com"]})
    assert await _ids(crm, account, "contact", "c-bo") == ["m-bo"]
    assert await _hook(database, crm, account, ["m-bo"]) == 0
    assert len(await crm_events(database, account_id)) == 2


async def test_one_event_per_meeting_and_record_when_a_company_and_contact_both_match(
    database: Database, crm: CrmService, account: Account
) -> None:
    tenant, account_id = account
    await crm.upsert("contact", tenant, account_id, "c-ann", {"emails": ["ann@acme.com"]})
    await crm.upsert("company", tenant, account_id, "co-acme", {"domains": ["acme.com"]})
    ids = await store(
        database, account_id, [meeting("m-1", ["ann@acme.com", "cy@acme.com", "di@acme.com"])]
    )

    assert await _hook(database, crm, account, ids) == 2

    events = await crm_events(database, account_id)
    by_record = {
        str(e.get("contact_external_id") or e.get("company_external_id")): e for e in events
    }
    assert set(by_record) == {"c-ann", "co-acme"}
    company = by_record["co-acme"]["activity"]
    assert isinstance(company, dict)
    assert company["matched_by"] == "domain"
    assert company["attendee"]["email"] == "cy@acme.com"  # the first matching attendee
